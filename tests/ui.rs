//! Compile-fail tests: each file in `ui/` is a program with one mistake, and its `.stderr`
//! is the error weft gives for it. Regenerate with `TRYBUILD=overwrite` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
