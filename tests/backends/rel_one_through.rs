//! A `one` relation through a junction that has several rows for a parent loads the first, by
//! the relation's order then the target's key (issue 13, item 3).

use weft::{Db, NotLoaded, Strategy, Table, find_many};
use weft_tests::{backends, statements};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "members")]
pub struct Member<Club = NotLoaded> {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
    /// Several memberships are allowed: this is the first club.
    #[relation(one, through = Membership)]
    pub club: Club,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "clubs")]
pub struct Club {
    #[column(primary_key)]
    pub id: i64,
    pub name: String,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "memberships", primary_key(member_id, club_id))]
pub struct Membership {
    #[column(references = Member::id)]
    pub member_id: i64,
    #[column(references = Club::id)]
    pub club_id: i64,
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(Member, Club, Membership)>().await?;
    weft::insert_many([(1, "ann"), (2, "bob"), (3, "cy")].map(|(id, n)| Member {
        id,
        name: n.into(),
        club: NotLoaded,
    }))
    .execute(db)
    .await?;
    weft::insert_many(
        [(1, "chess"), (2, "alpine"), (3, "rowing")].map(|(id, n)| Club { id, name: n.into() }),
    )
    .execute(db)
    .await?;
    // ann is in three clubs, bob in one, cy in none.
    weft::insert_many([(1, 3), (1, 2), (1, 1), (2, 2)].map(|(m, c)| Membership {
        member_id: m,
        club_id: c,
    }))
    .execute(db)
    .await?;
    Ok(())
}

fn clubs(members: &[Member<Option<Club>>]) -> Vec<Option<&str>> {
    members
        .iter()
        .map(|m| m.club.as_ref().map(|c| c.name.as_str()))
        .collect()
}

#[backends(strategies)]
async fn one_through_loads_the_first_row(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let before = db.statements_executed();
    // By the target's key when the relation has no order.
    let members = find_many::<Member>()
        .with(Member::club)
        .order_by(Member::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    assert_eq!(clubs(&members), [Some("chess"), Some("alpine"), None]);

    // By the relation's order.
    let before = db.statements_executed();
    let members = find_many::<Member>()
        .with(Member::club.order_by(Club::name))
        .order_by(Member::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(db.statements_executed() - before, statements(strategy, 1));
    assert_eq!(clubs(&members), [Some("alpine"), Some("alpine"), None]);

    // Filtered: the first of the rows that match.
    let members = find_many::<Member>()
        .with(Member::club.filter(Club::name.ne("chess")))
        .order_by(Member::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    assert_eq!(clubs(&members), [Some("alpine"), Some("alpine"), None]);
    Ok(())
}
