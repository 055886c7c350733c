//! Errors are typed, carry the SQL, and never panic.

use weft::{Backend, Error, Table};
use weft_tests::backend_test;

use crate::tables::*;

#[derive(Table, Debug)]
#[table(name = "mismatch")]
pub struct Mismatch {
    #[column(primary_key)]
    pub id: i64,
    pub label: i64,
}

backend_test!(async fn constraint_violations_keep_the_sql(db) {
    seed(&db).await?;
    let err = weft::insert(new_user("ann", None, 1)).execute(&db).await.unwrap_err();
    let Error::Query { sql, .. } = &err else { panic!("expected a query error, got {err:?}") };
    assert!(sql.starts_with("INSERT INTO"), "{sql}");
    assert_eq!(err.sql(), Some(sql.as_str()));
    assert!(err.as_database_error().is_some_and(|e| e.is_unique_violation()));
    assert!(err.to_string().contains("while running: INSERT INTO"), "{err}");
    Ok(())
});

backend_test!(async fn decode_mismatch_names_table_and_column(db) {
    // The table holds text where the struct expects an integer.
    let text = match db.backend() {
        Backend::MySql => "LONGTEXT",
        _ => "TEXT",
    };
    let q = |s: &str| db.backend().quote_ident(s);
    db.execute_sql(&format!("CREATE TABLE {} ({} BIGINT PRIMARY KEY, {} {text})", q("mismatch"), q("id"), q("label")), vec![])
        .await?;
    db.execute_sql(
        &format!("INSERT INTO {} ({}, {}) VALUES (1, 'not a number')", q("mismatch"), q("id"), q("label")),
        vec![],
    )
    .await?;
    let err = weft::select::<Mismatch>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode { table, column, sql, .. } => {
            assert_eq!((*table, *column), ("mismatch", "label"));
            assert!(sql.starts_with("SELECT"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(err.to_string().contains("`mismatch.label`"), "{err}");
    Ok(())
});

backend_test!(async fn missing_table_is_a_query_error(db) {
    let err = weft::select::<User>().all(&db).await.unwrap_err();
    assert!(matches!(err, Error::Query { .. }), "{err:?}");
    Ok(())
});

#[tokio::test]
async fn unknown_url_scheme_is_a_clear_error() {
    let err = weft::Db::connect("oracle://scott:tiger@host/db")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("scott:***@host"),
        "the password is masked: {text}"
    );
    assert!(
        text.contains("sqlite:"),
        "the message says what is accepted: {text}"
    );
}
