//! The expansion's shape and its error messages (the compile errors users see).

use proc_macro2::TokenStream;
use quote::quote;

use super::backends;

fn expand(args: TokenStream, item: TokenStream) -> String {
    backends(args, item).to_string()
}

/// The messages of the `compile_error!`s in an expansion.
fn errors(args: TokenStream, item: TokenStream) -> Vec<String> {
    let out = expand(args, item);
    out.split("compile_error ! {")
        .skip(1)
        .map(|rest| {
            let start = rest.find('"').expect("a message");
            let end = rest[start + 1..].find("\" }").expect("its end");
            rest[start + 1..start + 1 + end].to_owned()
        })
        .collect()
}

fn plain() -> TokenStream {
    quote!(
        async fn reads(db: Db) -> weft::Result<()> {
            Ok(())
        }
    )
}

#[test]
fn one_test_per_backend_next_to_the_function() {
    let out = expand(quote!(), plain());
    assert!(out.starts_with("async fn reads (db : Db)"), "{out}");
    for backend in ["sqlite", "postgres", "mysql"] {
        assert!(out.contains(&format!("async fn {backend} ()")), "{out}");
    }
    assert!(out.contains("mod reads"), "{out}");
    assert!(out.contains(":: weft_tests :: run ("), "{out}");
    assert!(!out.contains("compile_error"), "{out}");
}

#[test]
fn strategies_make_six_tests() {
    let item = quote!(
        async fn loads(db: Db, strategy: Strategy) -> weft::Result<()> {
            Ok(())
        }
    );
    let out = expand(quote!(strategies), item);
    for backend in ["sqlite", "postgres", "mysql"] {
        for strategy in ["single_statement", "batched"] {
            assert!(
                out.contains(&format!("async fn {backend}_{strategy} ()")),
                "{out}"
            );
        }
    }
    assert!(out.contains("Strategy :: SingleStatement"), "{out}");
}

#[test]
fn requirements_read_capabilities() {
    let out = expand(
        quote!(
            requires(returning_on_update),
            requires(!lateral, savepoints)
        ),
        plain(),
    );
    assert!(out.contains("run_requiring"), "{out}");
    assert!(out.contains("caps . returning_on_update"), "{out}");
    assert!(out.contains("\"!lateral\""), "{out}");
    assert!(out.contains("present : false"), "{out}");
    assert_eq!(out.matches("capability :").count(), 3, "{out}");
    assert_eq!(out.matches("REQUIREMENTS").count(), 1 + 3, "{out}");
}

#[test]
fn unknown_options_are_all_reported() {
    let found = errors(quote!(strategy, retries = 3), plain());
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("unknown option `strategy`"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("unknown option `retries`"),
        "{found:?}"
    );
}

#[test]
fn malformed_requirements_say_how_to_write_them() {
    let found = errors(quote!(requires), plain());
    assert!(
        found[0].contains("write `requires(returning_on_update)`"),
        "{found:?}"
    );
    let found = errors(quote!(requires()), plain());
    assert!(found[0].contains("names no capability"), "{found:?}");
    let found = errors(quote!(requires("lateral")), plain());
    assert!(
        found[0].contains("a field of `weft::Capabilities`"),
        "{found:?}"
    );
    let found = errors(quote!(strategies strategies), plain());
    assert!(found[0].contains("expected `,`"), "{found:?}");
}

#[test]
fn the_signature_must_fit_the_calls() {
    let found = errors(quote!(strategies), plain());
    assert!(
        found[0].contains("passes the database and the strategy: write `async fn reads(db: Db, strategy: Strategy)"),
        "{found:?}"
    );
    let found = errors(
        quote!(),
        quote!(
            fn reads(db: Db) -> weft::Result<()> {
                Ok(())
            }
        ),
    );
    assert!(
        found[0].starts_with("a backend test is an `async fn`"),
        "{found:?}"
    );
    let found = errors(
        quote!(),
        quote!(
            async fn reads(db: Db) {}
        ),
    );
    assert!(
        found[0].starts_with("a backend test returns `weft::Result<()>`"),
        "{found:?}"
    );
    let found = errors(
        quote!(),
        quote!(
            #[tokio::test]
            async fn reads(db: Db) -> weft::Result<()> {
                Ok(())
            }
        ),
    );
    assert!(found[0].contains("remove this attribute"), "{found:?}");
}

#[test]
fn a_mistake_keeps_the_function_and_adds_no_tests() {
    let out = expand(quote!(bogus), plain());
    assert!(out.starts_with("async fn reads"), "{out}");
    assert!(!out.contains("mod reads"), "{out}");
}
