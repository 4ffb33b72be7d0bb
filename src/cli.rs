//! The `squid` command line.

use crate::config::Config;
use crate::domain::{Clock, Services};
use crate::store::Store;
use clap::{Parser, Subcommand};
use std::sync::Arc;

#[derive(Parser, Debug)]
#[command(
    name = "squid",
    version,
    about = "Squid: sessions, preferences and tracking for web apps"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the server (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Apply the retention policy once (DATA_RETENTION_DAYS) and print what was deleted.
    Purge,
    /// Change an account's role.
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum AdminAction {
    /// Give the account with this email the `admin` role.
    Grant { email: String },
    /// Take the `admin` role from the account with this email.
    Revoke { email: String },
}

/// `squid admin grant|revoke EMAIL`: returns the line to print.
pub async fn admin(
    domain: &Services,
    config: &Config,
    action: &AdminAction,
) -> Result<String, String> {
    let (email, grant) = match action {
        AdminAction::Grant { email } => (email, true),
        AdminAction::Revoke { email } => (email, false),
    };
    match domain.accounts.set_role(email, grant).await {
        Ok(true) if grant => Ok(format!("{email} is now an admin")),
        Ok(true) if config.admin_emails.contains(&email.trim().to_lowercase()) => Ok(format!(
            "{email} is no longer an admin, until their next sign-in: ADMIN_EMAILS still lists them"
        )),
        Ok(true) => Ok(format!("{email} is no longer an admin")),
        Ok(false) => Err(format!("no account has the email {email}")),
        Err(e) => Err(format!("{email}: {e}")),
    }
}

/// `squid purge`: deletes what is older than `DATA_RETENTION_DAYS` and returns the lines
/// to print, one per table.
pub async fn purge(domain: &Services, clock: &Clock) -> Result<Vec<String>, String> {
    let retention = &domain.retention;
    let report = retention
        .purge(clock.now())
        .await
        .map_err(|e| format!("DATABASE_URL: purge failed: {e}"))?;
    Ok(report.lines(retention.days))
}

/// Opens and migrates the store named by the configuration, naming the variable at fault
/// on failure.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, String> {
    let db = crate::store::open(&config.database_url)
        .await
        .map_err(|e| format!("DATABASE_URL: cannot open {}: {e}", config.database_url))?;
    let db = match &config.session_store_url {
        None => db,
        Some(url) => {
            let sessions = crate::store::redis::RedisSessions::connect(url, config.policy())
                .await
                .map_err(|e| format!("SESSION_STORE_URL: cannot reach {}: {e}", redacted(url)))?;
            Arc::new(crate::store::split::SplitStore { sql: db, sessions })
        }
    };
    db.migrate()
        .await
        .map_err(|e| format!("DATABASE_URL: migrations failed: {e}"))?;
    Ok(db)
}

/// A URL fit for a message: without its password.
fn redacted(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.into()
        }
        _ => url.to_string(),
    }
}

/// Prints a line of a command's output. A reader that went away (`squid purge | head -1`)
/// is not an error of the command's, which has done its work: `println!` would panic.
fn say(line: &str) -> Result<(), String> {
    use std::io::Write;
    match writeln!(std::io::stdout(), "{line}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(format!("stdout: {e}")),
        _ => Ok(()),
    }
}

/// Every use case over the configured store, for a command that runs them once.
async fn services(config: &Config) -> Result<Services, String> {
    let store = open_store(config).await?;
    let key = crate::web::cookies::load_key(&config.cookie_key)?;
    Ok(Services::new(store, config.settings(&key)))
}

/// Runs the command; the error is the one line to print before exiting non-zero.
pub async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let clock = Clock::default();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Admin { action } => {
            let domain = services(&config).await?;
            say(&admin(&domain, &config, &action).await?)
        }
        Command::Purge => {
            let domain = services(&config).await?;
            purge(&domain, &clock)
                .await?
                .iter()
                .try_for_each(|line| say(line))
        }
        Command::Migrate => {
            open_store(&config).await?;
            say(&format!("migrations applied to {}", config.database_url))
        }
        Command::Serve => {
            // The database first: when it is unreachable, that is the line to print (the
            // development key file lives beside it and would fail for the same reason).
            let store = open_store(&config).await?;
            let key = crate::web::cookies::load_key(&config.cookie_key)?;
            let mut leptos_options = leptos::prelude::get_configuration(None)
                .map_err(|e| format!("LEPTOS_SITE_ADDR: {e}"))?
                .leptos_options;
            leptos_options.site_addr = config.site_addr;
            let state = crate::web::AppState::new(config, store, key, leptos_options, clock);
            crate::web::serve(state)
                .await
                .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot serve: {e}"))
        }
    }
}
