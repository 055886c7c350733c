static MIGRATIONS: &[weft::Migration] = weft::embed_migrations!("no_such_migrations");

fn main() {
    let _ = MIGRATIONS;
}
