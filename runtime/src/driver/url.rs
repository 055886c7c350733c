//! Choosing and opening a driver from a URL.

use super::Driver;
use crate::error::{Error, Result, redact_url};

/// Opens the driver `url` names: `sqlite::memory:`, `sqlite://path.db`, `postgres://…` or
/// `mysql://…` (also `mariadb://…`). See `Db::connect` for what weft does with each.
pub(crate) async fn connect(url: &str) -> Result<Box<dyn Driver>> {
    let shown = redact_url(url);
    #[allow(unused_variables)] // without any driver feature
    let connect_err = |source| Error::Connect {
        url: shown.clone(),
        source,
    };
    let scheme = url.split(':').next().unwrap_or_default();
    match scheme {
        "sqlite" => {
            #[cfg(feature = "sqlite")]
            {
                let (url, memory) = sqlite_memory_url(url);
                let driver = super::NativeSqliteDriver::open(&url, memory)
                    .await
                    .map_err(connect_err)?;
                return Ok(Box::new(driver));
            }
            #[allow(unreachable_code)]
            Err(disabled(&shown, "sqlite"))
        }
        "postgres" | "postgresql" => {
            #[cfg(feature = "postgres")]
            {
                let driver = super::PgDriver::open(url).await.map_err(connect_err)?;
                return Ok(Box::new(driver));
            }
            #[allow(unreachable_code)]
            Err(disabled(&shown, "postgres"))
        }
        "mysql" | "mariadb" => {
            #[cfg(feature = "mysql")]
            {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let pool = super::server_pool::ServerPool::open(&url)
                    .await
                    .map_err(connect_err)?;
                return Ok(Box::new(super::MySqlDriver::from_own_pool(pool).await?));
            }
            #[allow(unreachable_code)]
            Err(disabled(&shown, "mysql"))
        }
        _ => Err(Error::Url {
            url: shown.clone(),
            reason: "expected a URL starting with `sqlite:`, `postgres://` or `mysql://`".into(),
        }),
    }
}

#[allow(dead_code)] // with every driver feature
fn disabled(url: &str, feature: &str) -> Error {
    Error::Url {
        url: url.to_owned(),
        reason: format!("this build of weft lacks the `{feature}` feature"),
    }
}

/// The URL to open and whether it is an in-memory database: `sqlite:` and `sqlite://`
/// without a path (which SQLite would open as a private temporary database per connection)
/// are `sqlite::memory:`.
#[cfg(feature = "sqlite")]
fn sqlite_memory_url(url: &str) -> (String, bool) {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (path, params) = rest.split_once('?').unwrap_or((rest, ""));
    let url = if path.is_empty() {
        let mut url = "sqlite::memory:".to_owned();
        if !params.is_empty() {
            url.push('?');
            url.push_str(params);
        }
        url
    } else {
        url.to_owned()
    };
    let memory = url.contains(":memory:") || params.split('&').any(|p| p == "mode=memory");
    (url, memory)
}
