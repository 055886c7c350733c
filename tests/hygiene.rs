//! Generated code must not depend on what the user's module defines: it uses fully
//! qualified paths and `__`-prefixed locals.

#![allow(dead_code, non_camel_case_types)]

mod shadowed {
    // Everything generated code might name without a path.
    struct Result;
    struct Option;
    struct Some;
    struct None;
    struct Ok;
    struct Err;
    struct Vec;
    struct Box;
    struct Column;
    struct Table;
    struct Error;
    struct Value;
    mod weft {}

    #[derive(::weft::Table)]
    #[table(name = "hygiene")]
    pub struct Hygiene {
        #[column(primary_key, auto)]
        pub id: i64,
        pub row: ::std::string::String,
        pub query: ::std::option::Option<i64>,
        pub db: bool,
        pub __reader: i32,
        pub __out: i32,
        pub r#type: i16,
        #[column(default = 3)]
        pub self_: i32,
    }

    #[allow(unused_macros)] // what `alias!` must not pick up
    macro_rules! stringify {
        ($($t:tt)*) => {
            "shadowed"
        };
    }
    ::weft::alias!(pub Again = Hygiene);
    ::weft::alias!(pub Other = Hygiene as "other");
}

use shadowed::{Again, Hygiene, NewHygiene, Other};

#[tokio::test]
async fn generated_code_survives_shadowed_names() {
    let db = ::weft::Db::connect("sqlite::memory:").await.unwrap();
    db.create_tables::<Hygiene>().await.unwrap();
    let row = NewHygiene {
        id: None,
        row: "r".into(),
        query: None,
        db: true,
        __reader: 1,
        __out: 2,
        r#type: 3,
        self_: None,
    };
    let back = ::weft::insert(row).returning().one(&db).await.unwrap();
    assert_eq!(
        (back.id, back.row.as_str(), back.r#type, back.self_),
        (1, "r", 3, 3)
    );
    let types: Vec<i16> = ::weft::select::<Hygiene>()
        .columns(Hygiene::r#type)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(types, [3]);
    // Aliases declared among the shadowed names.
    let pairs: Vec<(i16, i64)> = ::weft::select::<Hygiene>()
        .inner_join::<Again>()
        .on(Again::col(Hygiene::id).eq(Hygiene::id))
        .left_join::<Other>()
        .on(Other::col(Hygiene::id).eq(Again::col(Hygiene::id)))
        .columns((Again::col(Hygiene::r#type), Other::col(Hygiene::id)))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(pairs, [(3, 1)]);
    let sql = ::weft::select::<Again>()
        .to_sql(::weft::Backend::Sqlite)
        .text;
    assert!(sql.ends_with(r#"FROM "hygiene" AS "Again""#), "{sql}");
}

mod shadowed_relations {
    #![allow(dead_code)]
    struct Result;
    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct NotLoaded;
    struct Relation;

    #[derive(::weft::Table)]
    #[table(name = "owners", serialize)]
    pub struct Owner<Pets = ::weft::NotLoaded> {
        #[column(primary_key)]
        pub id: i64,
        #[relation(many = Pet)]
        pub pets: Pets,
    }

    #[derive(::weft::Table)]
    #[table(name = "pets", serialize)]
    pub struct Pet<TheOwner = ::weft::NotLoaded> {
        #[column(primary_key)]
        pub id: i64,
        #[column(references = Owner::id)]
        pub owner_id: i64,
        pub __value: i64,
        #[relation(one = Owner)]
        pub owner: TheOwner,
    }
}

#[tokio::test]
async fn relation_code_survives_shadowed_names() {
    use shadowed_relations::{Owner, Pet};
    let db = ::weft::Db::connect("sqlite::memory:").await.unwrap();
    db.create_tables::<(Owner, Pet)>().await.unwrap();
    ::weft::insert(Owner {
        id: 1,
        pets: ::weft::NotLoaded,
    })
    .execute(&db)
    .await
    .unwrap();
    ::weft::insert(Pet {
        id: 1,
        owner_id: 1,
        __value: 7,
        owner: ::weft::NotLoaded,
    })
    .execute(&db)
    .await
    .unwrap();
    let owners = ::weft::find_many::<Owner>()
        .with(Owner::pets.with(Pet::owner))
        .all(&db)
        .await
        .unwrap();
    assert_eq!(owners[0].pets[0].owner.id, 1);
    assert_eq!(owners[0].pets[0].__value, 7);
}
