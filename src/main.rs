#[cfg(feature = "ssr")]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    use clap::Parser;
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "squid=info,tower_http=warn,tower_sessions=warn,warn".into()),
        )
        .init();
    let cli = squid::cli::Cli::parse();
    match squid::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(line) => {
            eprintln!("squid: {line}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(not(feature = "ssr"))]
fn main() {
    // The binary is built with `ssr`; the `hydrate` build has no `main`.
}
