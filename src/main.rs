//! The `local-ecs` binary: configuration from flags and environment, logging, then serve until
//! SIGTERM or SIGINT. The first signal stops gracefully — no new connections, answers in flight
//! finished, every task stopped and everything this server created removed — and exits 0; a
//! second signal exits at once. The handlers are installed explicitly, which is also what makes
//! SIGTERM work when local-ecs is PID 1 in a container (the kernel ignores signals PID 1 has no
//! handler for, so `docker stop` would otherwise wait and kill).

use local_ecs::{App, Config};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::oneshot;

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
        // Colours only on a terminal: `docker logs` of the sidecar and CI logs stay plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let stop = match watch_signals() {
        Ok(stop) => stop,
        Err(e) => fail(&format!("cannot install signal handlers: {e}")),
    };
    let listener = match tokio::net::TcpListener::bind((config.host.as_str(), config.port)).await {
        Ok(l) => l,
        Err(e) => fail(&format!(
            "cannot listen on {}:{}: {e}",
            config.host, config.port
        )),
    };
    let app = match App::start(config).await {
        Ok(app) => app,
        Err(msg) => fail(&msg),
    };
    local_ecs::serve(listener, app.clone(), async {
        let _ = stop.await;
    })
    .await;
    tracing::info!("no longer accepting connections; shutting down");
    let report = app.shutdown().await;
    if report.kept {
        tracing::info!(
            tasks = report.tasks,
            "state saved; task containers left running for the next start to adopt; exiting"
        );
        return;
    }
    tracing::info!(
        tasks = report.tasks,
        containers = report.containers,
        volumes = report.volumes,
        seconds = report.elapsed.as_secs_f64(),
        "stopped every task and removed what this server created; exiting"
    );
}

fn fail(msg: &str) -> ! {
    eprintln!("local-ecs: {msg}");
    std::process::exit(1);
}

/// Resolves on the first SIGTERM or SIGINT; a second one exits the process at once.
fn watch_signals() -> std::io::Result<oneshot::Receiver<()>> {
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let (tx, rx) = oneshot::channel();
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        };
        tracing::info!("{name} received: shutting down gracefully (send it again to exit at once)");
        let _ = tx.send(());
        let code = tokio::select! {
            _ = term.recv() => 128 + 15,
            _ = int.recv() => 128 + 2,
        };
        tracing::warn!("second signal received: exiting without cleaning up");
        std::process::exit(code);
    });
    Ok(rx)
}
