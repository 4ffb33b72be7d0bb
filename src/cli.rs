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
    /// Fill the database with realistic, reproducible demo traffic (accounts, sessions,
    /// page views, actions, consents) for the dashboard and benchmarks.
    Demo {
        /// Accounts to create (about 100 page views each over 90 days, guests included).
        #[arg(long)]
        users: u32,
        /// Days of traffic, ending at midnight UTC today (1 to 3650).
        #[arg(long)]
        days: u32,
        /// The same seed on the same day gives the same rows.
        #[arg(long, default_value_t = 42)]
        seed: u64,
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

/// `squid demo`: writes the demo traffic with a progress bar (on a terminal only) and
/// returns the summary to print.
pub async fn demo(
    config: &Config,
    clock: &Clock,
    users: u32,
    days: u32,
    seed: u64,
) -> Result<Vec<String>, String> {
    use crate::domain::demo;
    let request = demo::Request::new(users, days, seed).map_err(|e| e.to_string())?;
    let store = open_store(config).await?;
    let began = std::time::Instant::now();
    let hasher = crate::domain::accounts::password::Hasher::default();
    let hash = demo::password_hash(&hasher, seed)
        .await
        .map_err(|e| e.to_string())?;
    let plan = request.plan(clock.now(), hash, &config.consent_policy_version);
    // Hidden by itself when stderr is not a terminal (CI, `> log`).
    let bar = indicatif::ProgressBar::new(users as u64).with_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} [{bar:40}] {pos}/{len} users, {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    let summary = demo::fill(&*store, plan, |s| {
        bar.set_position(s.users);
        bar.set_message(format!("{} page views", s.page_views));
    })
    .await
    .map_err(|e| format!("DATABASE_URL: demo data not written: {e}"))?;
    bar.finish_and_clear();
    let last = format!("user{:05}@demo.squid.test", users - 1);
    Ok(vec![
        format!(
            "demo data written to {} in {:.1} s (seed {seed}, {days} days):",
            redacted(&config.database_url),
            began.elapsed().as_secs_f64()
        ),
        format!("  users       {}", summary.users),
        format!("  objectors   {} (withdrew analytics consent)", summary.objectors),
        format!("  sessions    {}", summary.sessions),
        format!("  page views  {}", summary.page_views),
        format!("  actions     {}", summary.actions),
        format!(
            "every demo account (user00000@demo.squid.test to {last}) signs in with the password {}",
            demo::DEMO_PASSWORD
        ),
    ])
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
        Command::Demo { users, days, seed } => demo(&config, &clock, users, days, seed)
            .await?
            .iter()
            .try_for_each(|line| say(line)),
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
