use weft::Table;

#[derive(Table)]
struct Job {
    #[column(primary_key, auto)]
    id: i64,
    done: bool,
}

fn main() {
    // A wait option with no lock to wait on.
    let _ = weft::select::<Job>().skip_locked();
    let _ = weft::select::<Job>().filter(Job::done.eq(false)).nowait();
    // A second lock.
    let _ = weft::select::<Job>().for_update().for_share();
    // A count cannot carry the lock.
    let _ = weft::select::<Job>().for_update().count_sql(weft::Backend::Postgres);
}
