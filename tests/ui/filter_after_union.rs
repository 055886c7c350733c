use weft::Table;

#[derive(Table)]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
}

fn main() {
    // A filter after a UNION would filter only its first query.
    let _ = weft::select::<User>()
        .columns(User::name)
        .union(weft::select::<User>().columns(User::name))
        .filter(User::id.gt(1));
    // Order and limit apply to the whole result: these compile.
    let _ = weft::select::<User>()
        .columns(User::name)
        .union(weft::select::<User>().columns(User::name))
        .order_by(User::name)
        .limit(10);
}
