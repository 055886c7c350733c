//! The test function's signature, read only as far as the expansion needs it: the function
//! itself is emitted unchanged, so the compiler checks the rest where the user wrote it.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Attribute, Generics, Ident, ReturnType, Token, Type, Visibility};

/// `async fn name(params) -> output { … }`.
pub(crate) struct TestFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) asyncness: Option<Token![async]>,
    pub(crate) fn_token: Token![fn],
    pub(crate) ident: Ident,
    pub(crate) generics: Generics,
    pub(crate) params_span: Span,
    pub(crate) params: usize,
    pub(crate) output: ReturnType,
}

/// `name: Type` (or `mut name`, or `_`); only counted.
struct Param;

impl Parse for Param {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        input.parse::<Option<Token![mut]>>()?;
        if input.peek(Token![_]) {
            input.parse::<Token![_]>()?;
        } else {
            input.parse::<Ident>()?;
        }
        input.parse::<Token![:]>()?;
        input.parse::<Type>()?;
        Ok(Param)
    }
}

impl Parse for TestFn {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        input.parse::<Visibility>()?;
        let asyncness = input.parse()?;
        let fn_token = input.parse()?;
        let ident = input.parse()?;
        let mut generics: Generics = input.parse()?;
        let content;
        let paren = syn::parenthesized!(content in input);
        let params = Punctuated::<Param, Token![,]>::parse_terminated(&content)?.len();
        let output = input.parse()?;
        generics.where_clause = input.parse()?;
        let body: TokenStream = input.parse()?;
        if body.is_empty() {
            return Err(input.error("expected the test's body"));
        }
        Ok(TestFn {
            attrs,
            asyncness,
            fn_token,
            ident,
            generics,
            params_span: paren.span.join(),
            params,
            output,
        })
    }
}
