#[derive(weft::Enum)]
enum Shape {
    Dot,
    Circle(f64),
}

#[derive(weft::Enum)]
#[weft(rename_all = "lowercase")]
enum Clash {
    Admin,
    #[weft(rename = "admin")]
    Root,
}

#[derive(weft::Enum)]
#[weft(rename_all = "Title Case")]
enum Cased {
    One,
}

fn main() {}
