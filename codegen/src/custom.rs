//! `#[derive(Newtype)]` and `#[derive(Enum)]`: user types as columns, through the runtime's
//! `CustomType` (a type stored as one weft already supports).
//!
//! ```text
//! #[derive(Newtype)]                    // stored as its one field's type
//! struct UserId(i64);
//!
//! #[derive(Enum)]                       // stored as text, CHECKed against the names
//! #[weft(rename_all = "snake_case")]    // names of the variants (default: as written)
//! enum Role { Admin, #[weft(rename = "member")] User }
//!
//! #[derive(Enum)]                       // a native enum type: PostgreSQL's CREATE TYPE
//! #[weft(native = "user_role")]         // (named after the enum by default), MySQL's ENUM
//! enum UserRole { Admin, User }
//! ```

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Error, LitStr, Path};

/// The `#[weft(…)]` attributes of the type: `crate = path`, and for enums `rename_all` and
/// `native` (with the type's name, or named after the enum).
struct TypeAttrs {
    krate: Path,
    rename_all: Option<LitStr>,
    native: Option<Option<LitStr>>,
}

fn type_attrs(input: &syn::DeriveInput, enums: bool) -> syn::Result<TypeAttrs> {
    let mut krate = None;
    let mut rename_all = None;
    let mut native = None;
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("weft")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                krate = Some(meta.value()?.parse()?);
            } else if enums && meta.path.is_ident("rename_all") {
                rename_all = Some(meta.value()?.parse()?);
            } else if enums && meta.path.is_ident("native") {
                let name: Option<LitStr> = if meta.input.peek(syn::Token![=]) {
                    let name: LitStr = meta.value()?.parse()?;
                    if name.value().is_empty() {
                        return Err(Error::new(name.span(), "the native type needs a name: `#[weft(native = \"role\")]`, or `#[weft(native)]` to name it after the enum"));
                    }
                    Some(name)
                } else {
                    None
                };
                native = Some(name);
            } else if enums {
                return Err(meta.error(
                    "unknown `weft` attribute; expected one of: rename_all, native, crate",
                ));
            } else {
                return Err(meta.error("unknown `weft` attribute; expected: crate"));
            }
            Ok(())
        })?;
    }
    Ok(TypeAttrs {
        krate: krate.unwrap_or_else(|| syn::parse_quote!(::weft)),
        rename_all,
        native,
    })
}

fn no_generics(input: &syn::DeriveInput, derive: &str) -> syn::Result<()> {
    if input.generics.params.is_empty() {
        Ok(())
    } else {
        Err(Error::new(
            input.generics.span(),
            format!("`#[derive({derive})]` does not support generic parameters"),
        ))
    }
}

/// `#[derive(Newtype)]` on a one-field tuple struct.
pub fn derive_newtype(input: &syn::DeriveInput) -> TokenStream {
    newtype(input).unwrap_or_else(|e| e.to_compile_error())
}

fn newtype(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let attrs = type_attrs(input, false)?;
    no_generics(input, "Newtype")?;
    let field = match &input.data {
        syn::Data::Struct(syn::DataStruct {
            fields: syn::Fields::Unnamed(fields),
            ..
        }) if fields.unnamed.len() == 1 => &fields.unnamed[0],
        _ => {
            return Err(Error::new(
                input.ident.span(),
                "`#[derive(Newtype)]` needs a tuple struct of one field, stored as that field: `struct UserId(i64);`",
            ));
        }
    };
    let name = &input.ident;
    let repr = &field.ty;
    let krate = &attrs.krate;
    Ok(quote! {
        impl #krate::CustomType for #name {
            type Repr = #repr;
            #[inline]
            fn to_repr(&self) -> #repr {
                ::core::clone::Clone::clone(&self.0)
            }
            #[inline]
            fn from_repr(repr: #repr) -> ::core::result::Result<Self, ::std::string::String> {
                ::core::result::Result::Ok(#name(repr))
            }
        }
    })
}

/// `#[derive(Enum)]` on a fieldless enum.
pub fn derive_enum(input: &syn::DeriveInput) -> TokenStream {
    enumeration(input).unwrap_or_else(|e| e.to_compile_error())
}

fn enumeration(input: &syn::DeriveInput) -> syn::Result<TokenStream> {
    let attrs = type_attrs(input, true)?;
    no_generics(input, "Enum")?;
    let syn::Data::Enum(data) = &input.data else {
        return Err(Error::new(
            input.ident.span(),
            "`#[derive(Enum)]` needs an enum whose variants have no fields: `enum Role { Admin, User }`",
        ));
    };
    if data.variants.is_empty() {
        return Err(Error::new(
            input.ident.span(),
            "`#[derive(Enum)]` needs at least one variant: a column of an empty enum could hold no value",
        ));
    }
    let case = match &attrs.rename_all {
        None => None,
        Some(lit) => Some(Case::parse(&lit.value()).ok_or_else(|| {
            Error::new(
                lit.span(),
                "unknown `rename_all`; expected one of: \"lowercase\", \"UPPERCASE\", \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"camelCase\", \"PascalCase\"",
            )
        })?),
    };
    let mut names: Vec<String> = Vec::new();
    let mut idents = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            return Err(Error::new(
                variant.span(),
                "`#[derive(Enum)]` stores variants without fields; store an enum with data as `weft::Json<…>`",
            ));
        }
        let mut rename: Option<LitStr> = None;
        for attr in variant.attrs.iter().filter(|a| a.path().is_ident("weft")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    rename = Some(meta.value()?.parse()?);
                    Ok(())
                } else {
                    Err(meta.error("unknown `weft` variant attribute; expected: rename"))
                }
            })?;
        }
        let name = match (&rename, case) {
            (Some(lit), _) => lit.value(),
            (None, Some(case)) => case.apply(&crate::model::unraw(&variant.ident)),
            (None, None) => crate::model::unraw(&variant.ident),
        };
        if names.contains(&name) {
            let span = rename.as_ref().map_or(variant.ident.span(), LitStr::span);
            return Err(Error::new(
                span,
                format!(
                    "two variants are stored as \"{name}\"; give one another name with `#[weft(rename = \"…\")]`"
                ),
            ));
        }
        names.push(name);
        idents.push(&variant.ident);
    }
    let name = &input.ident;
    let krate = &attrs.krate;
    let expected = names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let unknown = format!("{{:?}} is not a `{name}` (expected one of {expected})");
    let native = attrs.native.as_ref().map(|native| {
        let type_name = match native {
            Some(lit) => lit.value(),
            None => crate::model::snake_case(&crate::model::unraw(name)),
        };
        quote! {
            const NATIVE: ::core::option::Option<&'static #krate::EnumType> =
                ::core::option::Option::Some(&#krate::EnumType {
                    name: #type_name,
                    labels: &[#(#names),*],
                });
        }
    });
    Ok(quote! {
        impl #krate::CustomType for #name {
            type Repr = ::std::string::String;
            const ALLOWED: &'static [&'static str] = &[#(#names),*];
            #native
            fn to_repr(&self) -> ::std::string::String {
                ::std::string::String::from(match self {
                    #(#name::#idents => #names,)*
                })
            }
            fn from_repr(repr: ::std::string::String) -> ::core::result::Result<Self, ::std::string::String> {
                match repr.as_str() {
                    #(#names => ::core::result::Result::Ok(#name::#idents),)*
                    _ => ::core::result::Result::Err(::std::format!(#unknown, repr)),
                }
            }
        }
    })
}

#[derive(Clone, Copy)]
enum Case {
    Lower,
    Upper,
    Snake,
    ScreamingSnake,
    Kebab,
    Camel,
    Pascal,
}

impl Case {
    fn parse(s: &str) -> Option<Case> {
        Some(match s {
            "lowercase" => Case::Lower,
            "UPPERCASE" => Case::Upper,
            "snake_case" => Case::Snake,
            "SCREAMING_SNAKE_CASE" => Case::ScreamingSnake,
            "kebab-case" => Case::Kebab,
            "camelCase" => Case::Camel,
            "PascalCase" => Case::Pascal,
            _ => return None,
        })
    }

    /// A variant name (PascalCase, as Rust writes it) in this case.
    fn apply(self, variant: &str) -> String {
        let snake = crate::model::snake_case(variant);
        match self {
            Case::Lower => variant.to_lowercase(),
            Case::Upper => variant.to_uppercase(),
            Case::Snake => snake,
            Case::ScreamingSnake => snake.to_uppercase(),
            Case::Kebab => snake.replace('_', "-"),
            Case::Camel => {
                let mut chars = variant.chars();
                chars
                    .next()
                    .map(|c| c.to_lowercase().chain(chars).collect())
                    .unwrap_or_default()
            }
            Case::Pascal => variant.to_owned(),
        }
    }
}
