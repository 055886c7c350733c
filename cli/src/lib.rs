//! weft's command line, for a binary of your own crate (the only code that links your
//! models):
//!
//! ```ignore
//! // src/bin/weft.rs
//! fn main() -> std::process::ExitCode {
//!     weft_cli::main(my_app::SCHEMA)
//! }
//! ```
//!
//! then `cargo run --bin weft -- generate --dialect postgres`, `… migrate --url …`,
//! `… check --url …`, `… pull --url …`. `--help` on each command tells its options.

mod commands;
mod out;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use weft::Schema;

/// The command line.
#[derive(Parser, Debug)]
#[command(
    name = "weft",
    about = "weft's schema migrations: generate, migrate, push, pull, check",
    version
)]
pub struct Cli {
    /// The migrations folder.
    #[arg(
        long,
        global = true,
        default_value = "migrations",
        env = "WEFT_MIGRATIONS"
    )]
    pub dir: PathBuf,
    /// Never colour the output (also when NO_COLOR is set or the output is not a terminal).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Diff the models against the latest migration's snapshot and write a new migration.
    Generate {
        /// The migration's name (after its number): `0002_add_email`.
        #[arg(long, default_value = "migration")]
        name: String,
        /// The SQL dialect: sqlite, postgres, mysql or mariadb (the earlier migrations' when
        /// omitted).
        #[arg(long, env = "WEFT_DIALECT")]
        dialect: Option<String>,
        /// Non-interactive: never ask whether a drop and an add are a rename; fail listing
        /// them instead (declare renames with `renamed_from`).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Allow changes that lose data (dropped tables or columns, narrower types, NOT NULL
        /// on a table that may hold rows).
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Apply the migrations not applied yet to a database.
    Migrate {
        /// The database: sqlite://file.db, postgres://…, mysql://…
        #[arg(long, env = "DATABASE_URL")]
        url: String,
    },
    /// Apply the models straight to a development database, without a migration (for
    /// prototyping); diffs against what the last push left there.
    Push {
        /// The database: sqlite://file.db, postgres://…, mysql://…
        #[arg(long, env = "DATABASE_URL")]
        url: String,
        /// Non-interactive: never guess renames (see `generate --help`).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Allow changes that lose data.
        #[arg(long)]
        allow_data_loss: bool,
    },
    /// Read a live database's tables and write Rust models for them (`#[derive(Table)]`
    /// structs with keys, indexes, foreign keys and relations) and a `SCHEMA` listing them.
    Pull {
        /// The database: sqlite://file.db, postgres://…, mysql://…
        #[arg(long, env = "DATABASE_URL")]
        url: String,
        /// The file to write (standard output when omitted); an existing file is kept unless
        /// --force.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overwrite --out if it exists.
        #[arg(long)]
        force: bool,
        /// The name of the `SCHEMA` constant's schema.
        #[arg(long, default_value = "app")]
        schema: String,
    },
    /// Fail (exit 1) when the models and the migrations disagree, or (given --url) when the
    /// database has not applied every migration, an applied one changed, or its tables differ
    /// from the models (drift: a change made by hand).
    Check {
        /// A database to compare too.
        #[arg(long, env = "DATABASE_URL")]
        url: Option<String>,
    },
}

/// Runs the command line from the process's arguments; the exit code to return from `main`.
pub fn main(schema: Schema) -> ExitCode {
    run(schema, std::env::args_os())
}

/// Runs the command line from `args` (the program's name first).
pub fn run<I, T>(schema: Schema, args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let out = out::Out::new(cli.no_color);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            out.error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(&schema, &cli, &out)) {
        Ok(code) => code,
        Err(e) => {
            out.error(&e.to_string());
            ExitCode::FAILURE
        }
    }
}
