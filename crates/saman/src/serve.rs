//! `saman serve`: the web server, with graceful shutdown.

use crate::cli::connect;
use crate::config::Settings;
use crate::demo::load_demo_if_empty;
use anyhow::Context;
use tokio::net::TcpListener;

pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    saman_web::install_metrics_recorder();
    let store = connect(&settings).await?;
    if settings.demo {
        load_demo_if_empty(&store).await?;
    }
    let listener = TcpListener::bind(&settings.addr)
        .await
        .with_context(|| format!("kunne ikke lytte på {}", settings.addr))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, database = settings.redacted_database_url(), "saman is listening");
    // The one line a newcomer needs: where to open the site.
    println!("Saman kjører på http://{addr}/ (Ctrl+C for å stoppe)");
    let app = saman_web::app(store.clone(), settings.web());
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    store.close().await;
    tracing::info!("saman stopped");
    Ok(())
}

/// Resolves on SIGINT or SIGTERM; requests in flight are then finished.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
