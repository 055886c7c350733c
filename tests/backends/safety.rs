//! Reserved words as table and column names, and hostile values: everything is quoted or
//! bound, so nothing breaks out.

use weft::{Db, Table};
use weft_tests::backends;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "order")]
pub struct Order {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(name = "select")]
    pub select: String,
    #[column(name = "group", references = Group::r#where)]
    pub group: Option<i64>,
    #[column(name = "we\"ird`name")]
    pub weird: Option<String>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "group")]
pub struct Group {
    #[column(primary_key)]
    pub r#where: i64,
    #[column(name = "user")]
    pub user: String,
}

const HOSTILE: &[&str] = &[
    "O'Reilly",
    "'; DROP TABLE \"order\"; --",
    "`; DROP TABLE `order`; --",
    "back\\slash and \\' and \\\\",
    "-- not a comment",
    "/* nor this */",
    "semi;colon",
    "\"double\" quotes",
    "100% _wild_",
    "unicode: ñandú, 漢字, Ωμέγα",
    "emoji: 🦀👍🏽🏳️‍🌈",
    "",
    "tab\tnew\nline\r",
    "$1 ? ?1 :name @p",
];

#[backends]
async fn reserved_words_and_hostile_values(db: Db) -> weft::Result<()> {
    db.create_tables::<(Order, Group)>().await?;
    weft::insert(Group {
        r#where: 7,
        user: "'); DELETE FROM \"group\"; --".into(),
    })
    .execute(&db)
    .await?;
    let rows: Vec<NewOrder> = HOSTILE
        .iter()
        .map(|s| NewOrder {
            id: None,
            select: s.to_string(),
            group: Some(7),
            weird: Some(s.to_string()),
        })
        .collect();
    weft::insert_many(rows).execute(&db).await?;

    for (i, s) in HOSTILE.iter().enumerate() {
        let found = weft::select::<Order>()
            .filter(Order::select.eq(*s))
            .all(&db)
            .await?;
        assert_eq!(found.len(), 1, "exactly one row for {s:?}");
        assert_eq!(found[0].id, i as i64 + 1);
        assert_eq!(found[0].select, *s);
        assert_eq!(found[0].weird.as_deref(), Some(*s));
    }
    // LIKE with a bound pattern: `%` in the value is a wildcard only where the pattern says.
    let like = weft::select::<Order>()
        .filter(Order::select.like("100%"))
        .count(&db)
        .await?;
    assert_eq!(like, 1);

    let joined: Vec<(String, String)> = weft::select::<Order>()
        .inner_join::<Group>()
        .on(Group::r#where.eq(Order::group))
        .columns((Order::select, Group::user))
        .filter(Order::select.eq("O'Reilly"))
        .all(&db)
        .await?;
    assert_eq!(
        joined,
        [(
            "O'Reilly".to_string(),
            "'); DELETE FROM \"group\"; --".to_string()
        )]
    );

    weft::update::<Order>()
        .set(Order::weird, "x'; --")
        .filter(Order::select.eq("semi;colon"))
        .execute(&db)
        .await?;
    weft::delete::<Order>()
        .filter(Order::select.eq("'; DROP TABLE \"order\"; --"))
        .execute(&db)
        .await?;
    assert_eq!(
        weft::select::<Order>().count(&db).await?,
        HOSTILE.len() as i64 - 1
    );
    assert_eq!(weft::select::<Group>().count(&db).await?, 1);
    Ok(())
}
