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

#[derive(Subcommand, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run the server (the default). Applies pending migrations first.
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
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
