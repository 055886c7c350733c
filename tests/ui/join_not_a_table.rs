#[derive(Debug)]
struct Inviter;

fn main() {
    // A plain struct is neither a table nor a `weft::alias!`.
    let _ = weft::select::<Inviter>();
}
