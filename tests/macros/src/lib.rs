//! `#[backends]`: one plain `async fn` test body, run as one `#[tokio::test]` per backend (and
//! per relation-loading strategy), skipped where the dialect lacks a capability the test
//! requires. Used only by weft's own test suite, through `weft_tests::backends`.
//!
//! The function stays as written (so rustfmt formats it and errors point into it); next to it
//! the attribute adds a module of the same name holding the tests:
//!
//! ```ignore
//! #[backends(requires(returning_on_update))]
//! async fn update_returns_rows(db: Db) -> weft::Result<()> { … }
//! // tests: update_returns_rows::{sqlite, postgres, mysql}
//!
//! #[backends(strategies)]
//! async fn loads_children(db: Db, strategy: Strategy) -> weft::Result<()> { … }
//! // tests: loads_children::{sqlite, postgres, mysql}_{single_statement, batched}
//! ```

mod expand;
mod options;
mod signature;

use proc_macro::TokenStream;

/// Expands a test body into one test per backend; see the crate documentation.
///
/// Options, comma-separated: `strategies` (the body also takes a `weft::Strategy`, and runs once
/// per strategy) and `requires(capability, !capability, …)` (fields of `weft::Capabilities`;
/// on a dialect where one does not hold, the body does not run and the test says so on stderr).
#[proc_macro_attribute]
pub fn backends(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::backends(args.into(), item.into()).into()
}
