use weft::Table;

#[derive(Table)]
#[table(name = "users")]
struct User {
    #[column(primary_key, auto)]
    id: i64,
    name: String,
    invited_by: Option<i64>,
}

weft::alias!(Inviter = User as "inviter");

fn main() {
    // The alias's column in a query that never joined the alias.
    let _ = weft::select::<User>().filter(Inviter::col(User::name).eq("ann"));
    // Nor in the columns of one.
    let _ = weft::select::<User>().columns((User::name, Inviter::col(User::name)));
}
