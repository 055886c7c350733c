fn main() {
    // One value per `?`: a list is not a value.
    let _ = weft::sql::<bool>("? IN (1, 2)", vec![1i32, 2]);
}
