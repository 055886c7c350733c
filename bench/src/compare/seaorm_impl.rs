//! SeaORM 2: entities in its dense format (`#[sea_orm::model]`) over the same tables, queried
//! with its own API: `find_by_id`, `find`, `find_also_related`, the Entity Loader
//! (`Entity::load().with(…)`) and the older `LoaderTrait`, `insert_many`.

use std::rc::Rc;

use sea_orm::ColumnTrait;
use sea_orm::{
    ActiveValue::Set, DatabaseConnection, EntityLoaderTrait, EntityTrait, LoaderTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};

use super::check;
use super::data::{W3_MAX_USER, W4_PAGE, W7_MIN_POSTS};
use super::harness::Run;

/// `bench_users`.
pub mod users {
    use sea_orm::entity::prelude::*;

    /// A user.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        pub email: Option<String>,
        #[sea_orm(has_many)]
        pub posts: HasMany<super::posts::Entity>,
        #[sea_orm(has_many, via = "users_to_groups")]
        pub groups: HasMany<super::groups::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_groups`.
pub mod groups {
    use sea_orm::entity::prelude::*;

    /// A group.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_groups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub name: String,
        #[sea_orm(has_many, via = "users_to_groups")]
        pub users: HasMany<super::users::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_users_to_groups`.
pub mod users_to_groups {
    use sea_orm::entity::prelude::*;

    /// A membership.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_users_to_groups")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub group_id: i64,
        #[sea_orm(belongs_to, from = "user_id", to = "id")]
        pub user: BelongsTo<super::users::Entity>,
        #[sea_orm(belongs_to, from = "group_id", to = "id")]
        pub group: BelongsTo<super::groups::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_posts`.
pub mod posts {
    use sea_orm::entity::prelude::*;

    /// A post.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_posts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub user_id: i64,
        pub title: String,
        #[sea_orm(belongs_to, from = "user_id", to = "id")]
        pub user: BelongsTo<super::users::Entity>,
        #[sea_orm(has_many)]
        pub comments: HasMany<super::comments::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_comments`.
pub mod comments {
    use sea_orm::entity::prelude::*;

    /// A comment.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_comments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i64,
        pub post_id: i64,
        pub body: String,
        #[sea_orm(belongs_to, from = "post_id", to = "id")]
        pub post: BelongsTo<super::posts::Entity>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// `bench_inserts`.
pub mod inserts {
    use sea_orm::entity::prelude::*;

    /// An inserted user.
    #[sea_orm::model]
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "bench_inserts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub name: String,
        pub email: Option<String>,
    }

    impl ActiveModelBehavior for ActiveModel {}
}

/// A post and its comments, as the `load_many` variant assembles them.
type PostWithComments = (posts::Model, Vec<comments::Model>);

fn user_sum(u: &users::Model) -> u64 {
    check::user(u.id, &u.name, u.email.as_deref())
}

/// W1: `find_by_id`.
pub fn point_lookup(db: &'static DatabaseConnection) -> Run {
    let mut k = 0;
    Run::future(move || {
        let id = check::lookup_id(k);
        k += 1;
        Box::pin(async move {
            let u = users::Entity::find_by_id(id)
                .one(db)
                .await
                .expect("SeaORM W1")
                .expect("the user exists");
            user_sum(&u)
        })
    })
}

/// W2: `find` with an optional limit.
pub fn scan(db: &'static DatabaseConnection, limit: Option<u64>) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let mut q = users::Entity::find();
            if let Some(n) = limit {
                q = q.limit(n);
            }
            let users = q.all(db).await.expect("SeaORM W2");
            users.iter().map(user_sum).sum()
        })
    })
}

/// W3: `find_also_related` (a left join).
pub fn left_join(db: &'static DatabaseConnection) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let rows = users::Entity::find()
                .find_also_related(posts::Entity)
                .filter(users::Column::Id.lte(W3_MAX_USER))
                .all(db)
                .await
                .expect("SeaORM W3");
            rows.iter()
                .map(|(u, p)| {
                    user_sum(u)
                        + p.as_ref()
                            .map_or(0, |p| check::child(p.user_id, p.id, &p.title))
                })
                .sum()
        })
    })
}

/// W7: `select_only` with `column_as(….count())`, `group_by`, `having`, `into_tuple`.
pub fn posts_per_user(db: &'static DatabaseConnection) -> Run {
    use sea_orm::sea_query::ExprTrait as _;
    Run::future(move || {
        Box::pin(async move {
            let rows: Vec<(i64, String, i64)> = users::Entity::find()
                .select_only()
                .column(users::Column::Id)
                .column(users::Column::Name)
                .column_as(posts::Column::Id.count(), "posts")
                .inner_join(posts::Entity)
                .group_by(users::Column::Id)
                .group_by(users::Column::Name)
                .having(posts::Column::Id.count().gte(W7_MIN_POSTS))
                .order_by_asc(users::Column::Id)
                .into_tuple()
                .all(db)
                .await
                .expect("SeaORM W7");
            rows.iter()
                .map(|(id, name, n)| check::child(*id, *n, name))
                .sum()
        })
    })
}

/// W4 with the Entity Loader: `users::Entity::load().with(groups::Entity)`. It takes no order
/// for related rows: they come in whatever order the database returns them.
pub fn many_to_many_loader(db: &'static DatabaseConnection, page: bool) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let q = users::Entity::load().with(groups::Entity).order_by_id_asc();
            let users = if page {
                q.paginate(db, W4_PAGE).fetch_page(0).await
            } else {
                q.all(db).await
            }
            .expect("SeaORM W4 loader");
            users
                .iter()
                .map(|u| {
                    check::user(u.id, &u.name, u.email.as_deref())
                        + u.groups
                            .iter()
                            .map(|g| check::child(u.id, g.id, &g.name))
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

/// W4 with `LoaderTrait::load_many` (one query for the users, one for the groups through the
/// junction), groups ordered by key like every other contestant's.
pub fn many_to_many_load_many(db: &'static DatabaseConnection, page: bool) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let mut q = users::Entity::find().order_by_asc(users::Column::Id);
            if page {
                q = q.limit(W4_PAGE);
            }
            let users = q.all(db).await.expect("SeaORM W4 users");
            let groups = users
                .load_many(groups::Entity::find().order_by_asc(groups::Column::Id), db)
                .await
                .expect("SeaORM W4 groups");
            users
                .iter()
                .zip(&groups)
                .map(|(u, gs)| {
                    user_sum(u)
                        + gs.iter()
                            .map(|g| check::child(u.id, g.id, &g.name))
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

/// W5 with the Entity Loader: `.with((posts::Entity, comments::Entity))`.
pub fn nested_loader(db: &'static DatabaseConnection) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let users = users::Entity::load()
                .with((posts::Entity, comments::Entity))
                .all(db)
                .await
                .expect("SeaORM W5 loader");
            users
                .iter()
                .map(|u| {
                    check::user(u.id, &u.name, u.email.as_deref())
                        + u.posts
                            .iter()
                            .map(|p| {
                                check::child(u.id, p.id, &p.title)
                                    + p.comments
                                        .iter()
                                        .map(|c| check::child(p.id, c.id, &c.body))
                                        .sum::<u64>()
                            })
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

/// W5 with `LoaderTrait::load_many` twice (the cookbook's nested loading).
pub fn nested_load_many(db: &'static DatabaseConnection) -> Run {
    Run::future(move || {
        Box::pin(async move {
            let users = users::Entity::find()
                .all(db)
                .await
                .expect("SeaORM W5 users");
            let posts = users
                .load_many(posts::Entity::find().order_by_asc(posts::Column::Id), db)
                .await
                .expect("SeaORM W5 posts");
            let counts: Vec<usize> = posts.iter().map(Vec::len).collect();
            let flat: Vec<posts::Model> = posts.into_iter().flatten().collect();
            let comments = flat
                .load_many(
                    comments::Entity::find().order_by_asc(comments::Column::Id),
                    db,
                )
                .await
                .expect("SeaORM W5 comments");
            let mut flat = flat.into_iter().zip(comments);
            let loaded: Vec<(users::Model, Vec<PostWithComments>)> = users
                .into_iter()
                .zip(counts)
                .map(|(u, n)| (u, flat.by_ref().take(n).collect()))
                .collect();
            loaded
                .iter()
                .map(|(u, posts)| {
                    user_sum(u)
                        + posts
                            .iter()
                            .map(|(p, cs)| {
                                check::child(u.id, p.id, &p.title)
                                    + cs.iter()
                                        .map(|c| check::child(p.id, c.id, &c.body))
                                        .sum::<u64>()
                            })
                            .sum::<u64>()
                })
                .sum()
        })
    })
}

fn models(rows: &[(String, Option<String>)]) -> impl Iterator<Item = inserts::ActiveModel> + '_ {
    rows.iter().map(|(name, email)| inserts::ActiveModel {
        name: Set(name.clone()),
        email: Set(email.clone()),
        ..Default::default()
    })
}

/// W6: `insert` / `insert_many` without `RETURNING` (like the other contestants).
pub fn insert(
    db: &'static DatabaseConnection,
    rows: Rc<Vec<(String, Option<String>)>>,
    tx: bool,
) -> Run {
    Run::future(move || {
        let rows = rows.clone();
        Box::pin(async move {
            if rows.len() == 1 {
                let model = models(&rows).next().expect("one row");
                return inserts::Entity::insert(model)
                    .exec_without_returning(db)
                    .await
                    .expect("SeaORM W6");
            }
            if tx {
                let txn = db.begin().await.expect("begin");
                let n = inserts::Entity::insert_many(models(&rows))
                    .exec_without_returning(&txn)
                    .await
                    .expect("SeaORM W6");
                txn.commit().await.expect("commit");
                n
            } else {
                inserts::Entity::insert_many(models(&rows))
                    .exec_without_returning(db)
                    .await
                    .expect("SeaORM W6")
            }
        })
    })
}
