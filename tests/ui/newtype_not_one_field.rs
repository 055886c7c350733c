#[derive(weft::Newtype)]
struct Pair(i64, i64);

#[derive(weft::Newtype)]
struct Named {
    id: i64,
}

fn main() {}
