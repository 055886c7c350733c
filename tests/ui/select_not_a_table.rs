struct Report {
    total: i64,
}

fn main() {
    let _ = weft::select::<Report>();
}
