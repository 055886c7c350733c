//! The expansion: the function as written, then a module of the same name with one
//! `#[tokio::test]` per backend (and strategy) calling `weft_tests::run`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use crate::options::{Options, Requirement};
use crate::signature::TestFn;

/// The backends every test runs on: test name and `weft::Backend` variant.
const BACKENDS: [(&str, &str); 3] = [
    ("sqlite", "Sqlite"),
    ("postgres", "Postgres"),
    ("mysql", "MySql"),
];

/// The relation-loading strategies a `strategies` test runs with: name suffix and
/// `weft::Strategy` variant.
const STRATEGIES: [(&str, &str); 2] = [
    ("single_statement", "SingleStatement"),
    ("batched", "Batched"),
];

/// Parses, checks and expands; on a mistake, emits the function unchanged with the errors, so
/// the body is still checked and nothing else cascades from the mistake.
pub(crate) fn backends(args: TokenStream, item: TokenStream) -> TokenStream {
    let options = syn::parse2::<Options>(args);
    let test = syn::parse2::<TestFn>(item.clone());
    let mut errors: Option<syn::Error> = None;
    let mut add = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let options = match options {
        Ok(mut options) => {
            if let Some(e) = options.errors.take() {
                add(e);
            }
            Some(options)
        }
        Err(e) => {
            add(e);
            None
        }
    };
    let test = match test {
        Ok(test) => Some(test),
        Err(e) => {
            add(e);
            None
        }
    };
    if let (Some(options), Some(test)) = (&options, &test) {
        for e in check(options, test) {
            add(e);
        }
    }
    match (errors, options, test) {
        (None, Some(options), Some(test)) => {
            let tests = tests(&options, &test);
            quote!(#item #tests)
        }
        (Some(errors), _, _) => {
            let errors = errors.to_compile_error();
            quote!(#item #errors)
        }
        (None, _, _) => item,
    }
}

/// What the signature must be for the generated calls to fit.
fn check(options: &Options, test: &TestFn) -> Vec<syn::Error> {
    let mut errors = Vec::new();
    let name = &test.ident;
    let (wanted, shape) = match options.strategies {
        Some(_) => (
            2,
            format!("async fn {name}(db: Db, strategy: Strategy) -> weft::Result<()>"),
        ),
        None => (1, format!("async fn {name}(db: Db) -> weft::Result<()>")),
    };
    let attribute = if options.strategies.is_some() {
        "#[backends(strategies)]"
    } else {
        "#[backends]"
    };
    if test.asyncness.is_none() {
        errors.push(syn::Error::new(
            test.fn_token.span,
            format!("a backend test is an `async fn`: write `{shape}`"),
        ));
    }
    if !test.generics.params.is_empty() || test.generics.where_clause.is_some() {
        errors.push(syn::Error::new(
            test.generics.span(),
            "a backend test takes no generic parameters",
        ));
    }
    if test.params != wanted {
        let given = match wanted {
            1 => "the database",
            _ => "the database and the strategy",
        };
        errors.push(syn::Error::new(
            test.params_span,
            format!("`{attribute}` passes {given}: write `{shape}`"),
        ));
    }
    if matches!(test.output, syn::ReturnType::Default) {
        errors.push(syn::Error::new(
            test.params_span,
            format!("a backend test returns `weft::Result<()>`: write `{shape}`"),
        ));
    }
    for attr in &test.attrs {
        if attr
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "test")
        {
            errors.push(syn::Error::new(
                attr.span(),
                "`#[backends]` makes the tests itself: remove this attribute",
            ));
        }
    }
    errors
}

/// `mod name { #[tokio::test] async fn sqlite() { … } … }`.
fn tests(options: &Options, test: &TestFn) -> TokenStream {
    let name = &test.ident;
    let label = name.to_string();
    let private = quote!(::weft_tests::__private);
    let requirements: Vec<TokenStream> = options.requires.iter().map(requirement).collect();
    // Once per module, so that a misspelt capability is reported once, not once per test.
    let requirements_const = (!requirements.is_empty()).then(|| {
        quote! {
            const REQUIREMENTS: &[#private::Requirement] = &[#(#requirements),*];
        }
    });
    let mut tests = Vec::new();
    for (backend_name, backend) in BACKENDS {
        let backend = format_ident!("{backend}");
        let backend = quote!(#private::weft::Backend::#backend);
        let cases: Vec<(syn::Ident, TokenStream)> = match options.strategies {
            None => vec![(format_ident!("{backend_name}"), quote!(super::#name))],
            Some(_) => STRATEGIES
                .iter()
                .map(|(suffix, strategy)| {
                    let strategy = format_ident!("{strategy}");
                    (
                        format_ident!("{backend_name}_{suffix}"),
                        quote!(|db| super::#name(db, #private::weft::Strategy::#strategy)),
                    )
                })
                .collect(),
        };
        for (test_name, body) in cases {
            let run = if requirements.is_empty() {
                quote!(::weft_tests::run(#backend, #label, #body).await)
            } else {
                quote!(#private::run_requiring(#backend, #label, REQUIREMENTS, #body).await)
            };
            tests.push(quote! {
                #[#private::tokio::test(crate = "::weft_tests::__private::tokio")]
                async fn #test_name() {
                    #run
                }
            });
        }
    }
    quote! {
        mod #name {
            #requirements_const
            #(#tests)*
        }
    }
}

/// A `weft_tests::__private::Requirement`; the field read carries the user's span, so an
/// unknown capability is reported where it was written.
fn requirement(requirement: &Requirement) -> TokenStream {
    let capability = &requirement.capability;
    let present = requirement.present;
    let label = requirement.label();
    let private = quote!(::weft_tests::__private);
    let read = quote_spanned!(capability.span()=> caps.#capability);
    quote! {
        #private::Requirement {
            capability: #label,
            present: #present,
            holds: |caps: &#private::weft::Capabilities| #read,
        }
    }
}

#[cfg(test)]
mod tests;
