//! Newtypes (`#[derive(weft::Newtype)]`) and hand-written `weft::CustomType`s as columns:
//! keys, foreign keys, relations on both strategies, filters and validation on read.

use weft::{CustomType, Db, Error, Newtype, NotLoaded, Strategy, Table};
use weft_tests::backends;

#[derive(Newtype, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UserId(i64);

#[derive(Newtype, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostId(i32);

/// Hand-written: text that must hold an `@`.
#[derive(Debug, Clone, PartialEq)]
pub struct Email(String);

impl CustomType for Email {
    type Repr = String;
    fn to_repr(&self) -> String {
        self.0.clone()
    }
    fn from_repr(text: String) -> Result<Self, String> {
        if text.contains('@') {
            Ok(Email(text))
        } else {
            Err(format!("{text:?} is not an email"))
        }
    }
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nt_users")]
pub struct Account<Posts = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: UserId,
    #[column(unique)]
    pub email: Email,
    pub backup: Option<Email>,
    #[relation(many = Note)]
    pub posts: Posts,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "nt_posts")]
pub struct Note<Author = NotLoaded> {
    #[column(primary_key)]
    pub id: PostId,
    #[column(references = Account::id)]
    pub author: UserId,
    pub reviewer: Option<UserId>,
    #[relation(one = Account)]
    pub writer: Author,
}

async fn seed(db: &Db) -> weft::Result<()> {
    db.create_tables::<(Account, Note)>().await?;
    for email in ["ann@example.com", "bob@example.com"] {
        weft::insert(NewAccount {
            id: None,
            email: Email(email.into()),
            backup: None,
        })
        .execute(db)
        .await?;
    }
    weft::insert_many([
        Note {
            id: PostId(1),
            author: UserId(1),
            reviewer: Some(UserId(2)),
            writer: NotLoaded,
        },
        Note {
            id: PostId(2),
            author: UserId(1),
            reviewer: None,
            writer: NotLoaded,
        },
        Note {
            id: PostId(3),
            author: UserId(2),
            reviewer: None,
            writer: NotLoaded,
        },
    ])
    .execute(db)
    .await?;
    Ok(())
}

#[backends]
async fn newtypes_are_keys_and_filter_with_their_own_type(db: Db) -> weft::Result<()> {
    seed(&db).await?;
    let ids = weft::select::<Account>()
        .order_by(Account::id)
        .columns(Account::id)
        .all(&db)
        .await?;
    assert_eq!(ids, [UserId(1), UserId(2)]);
    let ann = weft::select::<Note>()
        .filter(Note::author.eq(UserId(1)))
        .filter(Note::reviewer.eq(UserId(2)))
        .columns(Note::id)
        .all(&db)
        .await?;
    assert_eq!(ann, [PostId(1)]);
    let bob = weft::select::<Account>()
        .filter(Account::email.like(Email("bob@%".into())))
        .filter(Account::email.eq(Email("bob@example.com".into())))
        .one(&db)
        .await?;
    assert_eq!(bob.id, UserId(2));
    // The foreign key holds: a post of no user is refused by the database.
    let orphan = weft::insert(Note {
        id: PostId(9),
        author: UserId(99),
        reviewer: None,
        writer: NotLoaded,
    })
    .execute(&db)
    .await;
    assert!(orphan.is_err(), "{orphan:?}");
    Ok(())
}

#[backends(strategies)]
async fn newtype_keys_load_relations(db: Db, strategy: Strategy) -> weft::Result<()> {
    seed(&db).await?;
    let users = weft::find_many::<Account>()
        .with(Account::posts.order_by(Note::id).with(Note::writer))
        .order_by(Account::id)
        .strategy(strategy)
        .all(&db)
        .await?;
    let posts: Vec<Vec<PostId>> = users
        .iter()
        .map(|u| u.posts.iter().map(|p| p.id).collect())
        .collect();
    assert_eq!(posts, [vec![PostId(1), PostId(2)], vec![PostId(3)]]);
    assert_eq!(
        users[1].posts[0].writer.email,
        Email("bob@example.com".into())
    );
    assert_eq!(users[0].posts[0].reviewer, Some(UserId(2)));
    Ok(())
}

#[backends(strategies)]
async fn a_custom_type_refusing_a_stored_value_is_a_decode_error(
    db: Db,
    strategy: Strategy,
) -> weft::Result<()> {
    seed(&db).await?;
    weft::raw("UPDATE nt_users SET email = 'nobody' WHERE id = 2")
        .execute(&db)
        .await?;
    let err = weft::select::<Account>().all(&db).await.unwrap_err();
    match &err {
        Error::Decode {
            table,
            column,
            message,
            ..
        } => {
            assert_eq!((*table, *column), ("nt_users", "email"));
            assert!(message.contains("\"nobody\" is not an email"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let nested = weft::find_many::<Note>()
        .with(Note::writer)
        .strategy(strategy)
        .all(&db)
        .await
        .unwrap_err();
    assert!(nested.to_string().contains("is not an email"), "{nested}");
    Ok(())
}
