//! The attribute's arguments: `strategies` and `requires(capability, !capability, …)`.

use proc_macro2::TokenTree;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, Token};

const SYNTAX: &str = "the options are `strategies` and `requires(capability, …)`, as in \
                      `#[backends(strategies, requires(returning_on_update, !lateral))]`";

/// What the attribute asks for.
#[derive(Default)]
pub(crate) struct Options {
    /// Set by `strategies`: the body also takes a `weft::Strategy`.
    pub(crate) strategies: Option<Ident>,
    /// Every `requires(…)` entry, in order.
    pub(crate) requires: Vec<Requirement>,
    /// Every mistake found, so the user sees them all at once.
    pub(crate) errors: Option<syn::Error>,
}

/// One entry of `requires(…)`: a capability field that must hold (or, written `!field`, must
/// not hold) for the body to run.
pub(crate) struct Requirement {
    pub(crate) capability: Ident,
    pub(crate) present: bool,
}

impl Requirement {
    /// The requirement as the user wrote it, for the skip message.
    pub(crate) fn label(&self) -> String {
        let bang = if self.present { "" } else { "!" };
        format!("{bang}{}", self.capability)
    }
}

impl Options {
    fn error(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }
}

impl Parse for Options {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut options = Options::default();
        while !input.is_empty() {
            let Ok(name) = input.parse::<Ident>() else {
                options.error(input.error(format!("expected an option: {SYNTAX}")));
                skip_to_comma(input)?;
                continue;
            };
            let known = match name.to_string().as_str() {
                "strategies" => {
                    if options.strategies.is_some() {
                        options.error(syn::Error::new(name.span(), "`strategies` is given twice"));
                    }
                    options.strategies = Some(name);
                    true
                }
                "requires" => {
                    match requirements(input) {
                        Ok(list) if list.is_empty() => options.error(syn::Error::new(
                            name.span(),
                            "`requires()` names no capability: write `requires(returning_on_update)`",
                        )),
                        Ok(list) => options.requires.extend(list),
                        Err(e) => options.error(e),
                    }
                    true
                }
                other => {
                    options.error(syn::Error::new(
                        name.span(),
                        format!("unknown option `{other}`: {SYNTAX}"),
                    ));
                    false
                }
            };
            if known && !input.is_empty() && !input.peek(Token![,]) {
                options.error(input.error("expected `,` between options"));
            }
            skip_to_comma(input)?;
        }
        Ok(options)
    }
}

/// The parenthesized list after `requires`.
fn requirements(input: ParseStream) -> syn::Result<Vec<Requirement>> {
    if !input.peek(syn::token::Paren) {
        return Err(input.error(
            "`requires` takes a list of capabilities: write `requires(returning_on_update)`",
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    let list = Punctuated::<Requirement, Token![,]>::parse_terminated(&content);
    // The rest of the parentheses is consumed so that syn does not replace this error with
    // its own "unexpected token".
    content.parse::<proc_macro2::TokenStream>()?;
    Ok(list?.into_iter().collect())
}

impl Parse for Requirement {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let negated = input.parse::<Option<Token![!]>>()?.is_some();
        if !input.peek(Ident) {
            return Err(input.error(
                "expected a field of `weft::Capabilities`, such as `returning_on_update` \
                 (or `!lateral` for a capability the test needs absent)",
            ));
        }
        Ok(Requirement {
            capability: input.parse()?,
            present: !negated,
        })
    }
}

/// Moves past the rest of one option (already reported if malformed) and its comma.
fn skip_to_comma(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() && !input.peek(Token![,]) {
        input.parse::<TokenTree>()?;
    }
    input.parse::<Option<Token![,]>>()?;
    Ok(())
}
