//! The `local-ecs` binary: configuration from flags and environment, logging, then serve until Ctrl-C.

use local_ecs::{App, Config};

#[tokio::main]
async fn main() {
    let config = match Config::from_args(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Some(config)) => config,
        Ok(None) => return, // --help or --list-operations already printed
        Err(msg) => {
            eprintln!("local-ecs: {msg}\n\n{}", local_ecs::config::USAGE);
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let listener = match tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "local-ecs: cannot listen on {}:{}: {e}",
                config.host, config.port
            );
            std::process::exit(1);
        }
    };
    let app = match App::start(config).await {
        Ok(app) => app,
        Err(msg) => {
            eprintln!("local-ecs: {msg}");
            std::process::exit(1);
        }
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    local_ecs::serve(listener, app, shutdown).await;
}
