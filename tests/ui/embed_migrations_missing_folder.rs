static MIGRATIONS: &[weft::Migration] = weft::embed_migrations!("no/such/folder");

fn main() {
    let _ = MIGRATIONS;
}
