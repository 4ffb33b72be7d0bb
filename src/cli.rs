//! The `squid` command line.

use crate::config::Config;
use crate::store::Db;
use clap::{Parser, Subcommand};

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
pub async fn admin(config: &Config, db: Db, action: &AdminAction) -> Result<String, String> {
    let accounts = crate::domain::accounts::Accounts::new(db, config.admin_emails.clone());
    let (email, grant) = match action {
        AdminAction::Grant { email } => (email, true),
        AdminAction::Revoke { email } => (email, false),
    };
    match accounts.set_role(email, grant).await {
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
pub async fn purge(config: &Config, db: Db) -> Result<Vec<String>, String> {
    let retention = crate::domain::retention::Retention::new(db, config.data_retention_days);
    let report = retention
        .purge(crate::domain::now_millis())
        .await
        .map_err(|e| format!("DATABASE_URL: purge failed: {e}"))?;
    Ok(report.lines(config.data_retention_days))
}

/// Opens the database named by the configuration, naming `DATABASE_URL` on failure.
pub async fn open_database(config: &Config) -> Result<Db, String> {
    let db = Db::connect(&config.database_url)
        .await
        .map_err(|e| format!("DATABASE_URL: cannot open {}: {e}", config.database_url))?;
    db.migrate()
        .await
        .map_err(|e| format!("DATABASE_URL: migrations failed: {e}"))?;
    Ok(db)
}

/// Runs the command; the error is the one line to print before exiting non-zero.
pub async fn run(cli: Cli) -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Admin { action } => {
            let db = open_database(&config).await?;
            println!("{}", admin(&config, db, &action).await?);
            Ok(())
        }
        Command::Purge => {
            let db = open_database(&config).await?;
            for line in purge(&config, db).await? {
                println!("{line}");
            }
            Ok(())
        }
        Command::Migrate => {
            open_database(&config).await?;
            println!("migrations applied to {}", config.database_url);
            Ok(())
        }
        Command::Serve => {
            // The database first: when it is unreachable, that is the line to print (the
            // development key file lives beside it and would fail for the same reason).
            let db = open_database(&config).await?;
            let key = crate::web::load_cookie_key(&config.cookie_key)?;
            let mut leptos_options = leptos::prelude::get_configuration(None)
                .map_err(|e| format!("LEPTOS_SITE_ADDR: {e}"))?
                .leptos_options;
            leptos_options.site_addr = config.site_addr;
            let state = crate::web::AppState::new(config, db, key, leptos_options);
            crate::web::serve(state)
                .await
                .map_err(|e| format!("LEPTOS_SITE_ADDR: cannot serve: {e}"))
        }
    }
}
