//! Models pulled from a live database by `weft pull`. Review them: names of structs
//! and relations are derived from the tables', types from the columns' SQL types.

use weft::{NotLoaded, Table};

#[derive(Table, Debug)]
#[table(name = "pc_groups")]
pub struct PcGroups<PcUsersRel = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub name: String,
    #[relation(many, through = PcUsersToGroups)]
    pub pc_users: PcUsersRel,
}

#[derive(Table, Debug)]
#[table(name = "pc_posts", index(title))]
pub struct PcPosts<Author = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(references = PcUsers::id)]
    pub author_id: i64,
    pub title: String,
    pub score: Option<f64>,
    pub body: Option<Vec<u8>>,
    #[relation(one = PcUsers)]
    pub author: Author,
}

#[derive(Table, Debug)]
#[table(name = "pc_users", unique(org, handle))]
pub struct PcUsers<PcPostsRel = NotLoaded, PcGroupsRel = NotLoaded> {
    #[column(primary_key, auto)]
    pub id: i64,
    pub org: String,
    pub handle: String,
    #[column(unique)]
    pub email: Option<String>,
    #[column(default = "member")]
    pub role: String,
    #[column(default = -1.5)]
    pub balance: f64,
    #[column(default = true)]
    pub active: bool,
    #[column(default = 3)]
    pub level: i16,
    #[relation(many = PcPosts)]
    pub pc_posts: PcPostsRel,
    #[relation(many, through = PcUsersToGroups)]
    pub pc_groups: PcGroupsRel,
}

#[derive(Table, Debug)]
#[table(name = "pc_users_to_groups", primary_key(user_id, group_id))]
pub struct PcUsersToGroups<User = NotLoaded, Group = NotLoaded> {
    #[column(references = PcUsers::id, on_delete = cascade)]
    pub user_id: i64,
    #[column(references = PcGroups::id, on_delete = cascade)]
    pub group_id: i64,
    #[relation(one = PcUsers)]
    pub user: User,
    #[relation(one = PcGroups)]
    pub group: Group,
}

/// The pulled tables, for the `weft` command line.
pub const SCHEMA: weft::Schema = weft::Schema::new("pulled", &[PcGroups::META, PcPosts::META, PcUsers::META, PcUsersToGroups::META]);
