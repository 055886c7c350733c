//! Errors are typed, carry the SQL, and never panic.

use weft::{Backend, Db, Error, NotLoaded, Strategy, Table, find_many};
use weft_tests::backends;

use crate::tables::*;

#[derive(Table, Debug)]
#[table(name = "mismatch")]
pub struct Mismatch {
    #[column(primary_key)]
    pub id: i64,
    pub label: i64,
}

#[backends]
async fn constraint_violations_keep_the_sql(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let err = weft::insert(new_user("ann", None, 1))
        .execute(&db)
        .await
        .unwrap_err();
    let Error::Query { sql, .. } = &err else {
        panic!("expected a query error, got {err:?}")
    };
    assert!(sql.starts_with("INSERT INTO"), "{sql}");
    assert_eq!(err.sql(), Some(sql.as_str()));
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation())
    );
    assert!(
        err.to_string().contains("while running: INSERT INTO"),
        "{err}"
    );
    Ok(())
}

#[backends]
async fn decode_mismatch_names_table_and_column(db: Db) -> weft::Result<()> {
    // The table holds text where the struct expects an integer.
    let text = match db.backend() {
        Backend::MySql => "LONGTEXT",
        _ => "TEXT",
    };
    let q = |s: &str| weft_tests::quote_ident(&db, s);
    db.execute_sql(
        &format!(
            "CREATE TABLE {} ({} BIGINT PRIMARY KEY, {} {text})",
            q("mismatch"),
            q("id"),
            q("label")
        ),
        vec![],
    )
    .await?;
    db.execute_sql(
        &format!(
            "INSERT INTO {} ({}, {}) VALUES (1, 'not a number')",
            q("mismatch"),
            q("id"),
            q("label")
        ),
        vec![],
    )
    .await?;
    let err = weft::select::<Mismatch>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            table, column, sql, ..
        } => {
            assert_eq!((*table, *column), ("mismatch", "label"));
            assert!(sql.starts_with("SELECT"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(err.to_string().contains("`mismatch.label`"), "{err}");
    Ok(())
}

#[derive(Table, Debug)]
#[table(name = "mismatch_parent")]
pub struct MismatchParent<Children = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    #[relation(many = MismatchChild)]
    #[allow(dead_code)] // the test only expects the load to fail
    pub children: Children,
}

#[derive(Table, Debug)]
#[table(name = "mismatch_child")]
pub struct MismatchChild {
    #[column(primary_key)]
    pub id: i64,
    #[column(references = MismatchParent::id)]
    pub parent_id: i64,
    pub label: Option<i64>,
}

#[backends(strategies)]
async fn nested_decode_mismatch_names_table_and_column(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    // The related table holds text where the struct expects an integer.
    let text = match db.backend() {
        Backend::MySql => "LONGTEXT",
        _ => "TEXT",
    };
    // Plain lowercase names mean the same table on every backend, quoted or not.
    for sql in [
        "CREATE TABLE mismatch_parent (id BIGINT PRIMARY KEY)".to_owned(),
        format!("CREATE TABLE mismatch_child (id BIGINT PRIMARY KEY, parent_id BIGINT, label {text})"),
        "INSERT INTO mismatch_parent (id) VALUES (1)".to_owned(),
        "INSERT INTO mismatch_child (id, parent_id, label) VALUES (1, 1, NULL), (2, 1, 'not a number')".to_owned(),
    ] {
        db.execute_sql(&sql, vec![]).await?;
    }
    let err = find_many::<MismatchParent>()
        .with(MismatchParent::children)
        .strategy(strategy)
        .all(&db)
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            table,
            column,
            message,
            sql,
        } => {
            assert_eq!((*table, *column), ("mismatch_child", "label"), "{err}");
            // MariaDB's single statement raises its JSON aggregate limit first.
            assert!(
                sql.starts_with("SELECT") || sql.starts_with("SET STATEMENT group_concat_max_len"),
                "{sql}"
            );
            if strategy == Strategy::SingleStatement {
                assert!(message.contains("\"not a number\""), "{message}");
            }
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    Ok(())
}

#[backends]
async fn missing_table_is_a_query_error(db: Db) -> weft::Result<()> {
    let err = weft::select::<User>().all(&db).await.unwrap_err();
    assert!(matches!(err, Error::Query { .. }), "{err:?}");
    Ok(())
}

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

#[tokio::test]
async fn an_unreachable_server_names_the_url_as_given() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    for url in [
        "postgres://scott:tiger@127.0.0.1:9/db",
        "mariadb://scott:tiger@127.0.0.1:9/db",
        "mysql://scott:tiger@127.0.0.1:9/db",
    ] {
        let err = weft::Db::connect(url).await.unwrap_err();
        assert!(matches!(err, Error::Connect { .. }), "{err:?}");
        let scheme = url.split(':').next().unwrap_or_default();
        let text = err.to_string();
        assert!(
            text.contains(&format!("{scheme}://scott:***@127.0.0.1:9/db")),
            "the URL as given, its password masked: {text}"
        );
    }
}
