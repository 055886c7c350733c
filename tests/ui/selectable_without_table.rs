use weft::Selectable;

#[derive(Selectable)]
struct Name {
    id: i64,
}

fn main() {}
