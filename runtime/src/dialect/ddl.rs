//! Rendering DDL: `CREATE TABLE` from a table's metadata, indexes, `ALTER TABLE`, drops. The
//! dialect spells types, auto-incremented keys, defaults and table options.

use crate::ast::{
    AlterChange, AlterTable, ColumnDef, Constraint, ConstraintKind, CreateIndex, CreateTable,
    DropIndex, DropTable,
};
use crate::dialect::Renderer;
use crate::schema::{ColumnMeta, OnDelete, TableMeta};

use super::AsDialect;

/// The statements that create `table`: the table, then its indexes (named in its metadata).
///
/// On the MySQL family, text is declared with a binary NO PAD collation: MariaDB's
/// `utf8mb4_nopad_bin`, MySQL 8's `utf8mb4_0900_bin`.
///
/// ```
/// # use weft::Table;
/// #[derive(Table)]
/// #[table(index(name))]
/// struct User { #[column(primary_key, auto)] id: i64, name: String }
///
/// let ddl = weft::create_table_sql(User::META, &weft::dialect::Postgres);
/// assert_eq!(ddl[1], r#"CREATE INDEX "user_name_idx" ON "user" ("name")"#);
/// ```
pub fn create_table_sql(table: &'static TableMeta, dialect: impl AsDialect) -> Vec<String> {
    let dialect = dialect.as_dialect();
    // Native enum types first (PostgreSQL), each once.
    let mut out = Vec::new();
    let mut enums: Vec<&crate::value::EnumType> = Vec::new();
    for column in table.columns {
        if let crate::value::SqlType::Enum(ty) = column.sql_type
            && !enums.contains(&ty)
        {
            enums.push(ty);
            out.extend(dialect.create_enum_type(ty));
        }
    }
    let mut r = Renderer::new(dialect);
    r.create_table(&CreateTable {
        table,
        if_not_exists: false,
    });
    out.push(r.finish().text);
    for index in table.indexes {
        let mut r = Renderer::new(dialect);
        r.create_index(&CreateIndex {
            name: index.name.to_owned(),
            table: table.name.to_owned(),
            columns: index
                .columns
                .iter()
                .map(|&c| table.columns[c].name.to_owned())
                .collect(),
            unique: false,
        });
        out.push(r.finish().text);
    }
    out
}

/// The statement that drops `table` if it exists.
pub fn drop_table_sql(table: &TableMeta, dialect: impl AsDialect) -> String {
    let mut r = Renderer::new(dialect.as_dialect());
    r.drop_table(&DropTable {
        table: table.name.to_owned(),
        if_exists: true,
    });
    r.finish().text
}

impl Renderer {
    /// `CREATE TABLE …` (its indexes are statements of their own: [`CreateIndex`]).
    pub(crate) fn create_table(&mut self, create: &CreateTable) {
        let table = create.table;
        let dialect = self.dialect;
        self.push(if create.if_not_exists {
            "CREATE TABLE IF NOT EXISTS "
        } else {
            "CREATE TABLE "
        });
        self.ident(table.name);
        self.push(" (");
        let auto_key = match table.primary_key {
            [key] if table.columns[*key].auto => Some(*key),
            _ => None,
        };
        for (i, column) in table.columns.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(column.name);
            self.text.push(' ');
            if auto_key == Some(i) {
                self.push(dialect.auto_key(column.sql_type));
            } else {
                self.column_definition(column);
            }
        }
        let key_inline = auto_key.is_some() && dialect.auto_key_inline();
        if !table.primary_key.is_empty() && !key_inline {
            self.push(", PRIMARY KEY (");
            self.column_list(table, table.primary_key);
            self.push(")");
        }
        for unique in table.uniques {
            self.push(", UNIQUE (");
            self.column_list(table, unique.columns);
            self.push(")");
        }
        // A sharded engine enforces no foreign key across shards: none is declared there
        // (relations load all the same; they need only the columns).
        for column in table.columns {
            if let Some(fk) = column.references
                && dialect.capabilities().foreign_keys
            {
                self.push(", FOREIGN KEY (");
                self.ident(column.name);
                self.push(") REFERENCES ");
                self.ident(fk.table);
                self.push(" (");
                self.ident(fk.column);
                self.push(")");
                if let Some(action) = fk.on_delete {
                    self.push(on_delete(action));
                }
            }
        }
        self.push(")");
        self.push(dialect.table_options());
    }

    fn column_definition(&mut self, column: &ColumnMeta) {
        let dialect = self.dialect;
        self.push_column_type(column.sql_type, column.keyed);
        self.push(dialect.column_collation(column.sql_type));
        if !column.nullable {
            self.push(" NOT NULL");
        }
        if column.unique.is_some() {
            self.push(" UNIQUE");
        }
        if let Some(default) = column.default {
            self.push(" DEFAULT ");
            dialect.push_default(&mut self.text, default);
        }
        // A native enum type holds only its labels; elsewhere a CHECK names them.
        let native =
            matches!(column.sql_type, crate::value::SqlType::Enum(_)) && dialect.native_enums();
        if !column.allowed.is_empty() && !native {
            self.push(" CHECK (");
            self.ident(column.name);
            self.push(" IN (");
            for (i, name) in column.allowed.iter().enumerate() {
                if i > 0 {
                    self.push(", ");
                }
                dialect.push_string_literal(&mut self.text, name);
            }
            self.push("))");
        }
    }

    fn column_list(&mut self, table: &TableMeta, positions: &[usize]) {
        for (i, &p) in positions.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(table.columns[p].name);
        }
    }

    fn names(&mut self, names: &[String]) {
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.ident(name);
        }
    }

    /// `CREATE [UNIQUE] INDEX …`.
    pub(crate) fn create_index(&mut self, index: &CreateIndex) {
        self.push(if index.unique {
            "CREATE UNIQUE INDEX "
        } else {
            "CREATE INDEX "
        });
        self.ident(&index.name);
        self.push(" ON ");
        self.ident(&index.table);
        self.push(" (");
        self.names(&index.columns);
        self.push(")");
    }

    /// `DROP TABLE [IF EXISTS] …`.
    pub(crate) fn drop_table(&mut self, drop: &DropTable) {
        self.push(if drop.if_exists {
            "DROP TABLE IF EXISTS "
        } else {
            "DROP TABLE "
        });
        self.ident(&drop.table);
    }

    /// `DROP INDEX …` (`ON table` where the dialect names it).
    pub(crate) fn drop_index(&mut self, drop: &DropIndex) {
        self.push("DROP INDEX ");
        self.ident(&drop.name);
        if self.dialect.drop_index_names_table() {
            self.push(" ON ");
            self.ident(&drop.table);
        }
    }

    /// `ALTER TABLE …`, its changes joined by commas.
    pub(crate) fn alter_table(&mut self, alter: &AlterTable) {
        self.push("ALTER TABLE ");
        self.ident(&alter.table);
        for (i, change) in alter.changes.iter().enumerate() {
            self.push(if i == 0 { " " } else { ", " });
            match change {
                AlterChange::AddColumn(column) => {
                    self.push("ADD COLUMN ");
                    self.column_def(column);
                }
                AlterChange::DropColumn(name) => {
                    self.push("DROP COLUMN ");
                    self.ident(name);
                }
                AlterChange::RenameColumn { from, to } => {
                    self.push("RENAME COLUMN ");
                    self.ident(from);
                    self.push(" TO ");
                    self.ident(to);
                }
                AlterChange::AlterColumn(column) => {
                    if self.dialect.modify_column() {
                        self.push("MODIFY ");
                        self.column_def(column);
                    } else {
                        self.push("ALTER COLUMN ");
                        self.ident(&column.name);
                        self.push(" TYPE ");
                        self.push_column_type(column.sql_type, column.keyed);
                        self.push(", ALTER COLUMN ");
                        self.ident(&column.name);
                        self.push(if column.nullable {
                            " DROP NOT NULL"
                        } else {
                            " SET NOT NULL"
                        });
                    }
                }
                AlterChange::AddConstraint(constraint) => {
                    self.push("ADD ");
                    self.constraint(constraint);
                }
                AlterChange::DropConstraint(name) => {
                    self.push("DROP CONSTRAINT ");
                    self.ident(name);
                }
            }
        }
    }

    /// `name TYPE [NOT NULL]`.
    pub(crate) fn column_def(&mut self, column: &ColumnDef) {
        self.ident(&column.name);
        self.text.push(' ');
        let dialect = self.dialect;
        self.push_column_type(column.sql_type, column.keyed);
        self.push(dialect.column_collation(column.sql_type));
        if !column.nullable {
            self.push(" NOT NULL");
        }
    }

    fn constraint(&mut self, constraint: &Constraint) {
        self.push("CONSTRAINT ");
        self.ident(&constraint.name);
        match &constraint.kind {
            ConstraintKind::Unique(columns) => {
                self.push(" UNIQUE (");
                self.names(columns);
                self.push(")");
            }
            ConstraintKind::ForeignKey {
                columns,
                table,
                references,
            } => {
                self.push(" FOREIGN KEY (");
                self.names(columns);
                self.push(") REFERENCES ");
                self.ident(table);
                self.push(" (");
                self.names(references);
                self.push(")");
            }
        }
    }
}

fn on_delete(action: OnDelete) -> &'static str {
    match action {
        OnDelete::Cascade => " ON DELETE CASCADE",
        OnDelete::SetNull => " ON DELETE SET NULL",
        OnDelete::Restrict => " ON DELETE RESTRICT",
        OnDelete::NoAction => " ON DELETE NO ACTION",
    }
}
