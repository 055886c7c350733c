//! Snapshots of what the derives generate, formatted with prettyplease, for a few
//! representative tables. A change to the expansion shows here as a reviewable diff: accept it
//! with `cargo insta accept` (or `INSTA_UPDATE=always cargo test -p weft-codegen`).

use proc_macro2::TokenStream;
use quote::quote;

fn pretty(tokens: TokenStream) -> String {
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as Rust items");
    prettyplease::unparse(&file)
}

fn table(input: TokenStream) -> String {
    pretty(weft_codegen::derive_table(input))
}

#[test]
fn plain_table() {
    let out = table(quote! {
        #[table(name = "users", index(name), unique(name, email))]
        pub struct User {
            #[column(primary_key, auto)]
            id: i64,
            name: String,
            #[column(unique)]
            email: Option<String>,
            #[column(default = 0)]
            visits: i32,
            #[column(name = "is_admin", default = false)]
            admin: bool,
        }
    });
    insta::assert_snapshot!(out);
}

#[test]
fn composite_primary_key() {
    let out = table(quote! {
        #[table(primary_key(tenant, code), insert = Draft, insert_derive(Debug))]
        struct Sku {
            tenant: i32,
            code: String,
            #[column(default = "none")]
            label: String,
        }
    });
    insta::assert_snapshot!(out);
}

#[test]
fn relations_one_and_many() {
    let author = table(quote! {
        #[table(serialize)]
        struct Author<Books = weft::NotLoaded> {
            #[column(primary_key, auto)]
            id: i64,
            name: String,
            #[relation(many = Book)]
            books: Books,
        }
    });
    insta::assert_snapshot!("author", author);
    let book = table(quote! {
        struct Book<Writer = weft::NotLoaded> {
            #[column(primary_key, auto)]
            id: i64,
            #[column(references = Author::id, on_delete = cascade)]
            author_id: i64,
            title: String,
            #[relation(one = Author)]
            writer: Writer,
        }
    });
    insta::assert_snapshot!("book", book);
}

#[test]
fn junction_table() {
    let junction = table(quote! {
        #[table(primary_key(user_id, group_id))]
        struct UsersToGroups {
            #[column(references = User::id, on_delete = cascade)]
            user_id: i64,
            #[column(references = Group::id)]
            group_id: i64,
        }
    });
    insta::assert_snapshot!("junction", junction);
    let through = table(quote! {
        struct User<Groups = weft::NotLoaded> {
            #[column(primary_key, auto)]
            id: i64,
            #[relation(many, through = UsersToGroups)]
            groups: Groups,
        }
    });
    insta::assert_snapshot!("through", through);
}

#[test]
fn selectable() {
    let out = pretty(weft_codegen::derive_selectable(quote! {
        #[selectable(table = User)]
        struct Row {
            id: i64,
            #[selectable(column = Post::title)]
            title: Option<String>,
        }
    }));
    insta::assert_snapshot!(out);
}

#[test]
fn errors_are_collected() {
    // Three mistakes, three errors, and the items users refer to are still generated.
    let out = table(quote! {
        struct Broken {
            #[column(primary_key, auto, default = 1)]
            id: String,
            #[column(name = "")]
            a: i64,
            #[column(on_delete = cascade)]
            b: i64,
        }
    });
    assert_eq!(out.matches("compile_error!").count(), 3, "{out}");
    assert!(out.contains("pub struct NewBroken") || out.contains("struct NewBroken"));
}
