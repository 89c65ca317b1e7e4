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
    match &settings.smtp_url {
        Some(url) => {
            let mailer = crate::mailer::Mailer::new(url, &settings.mail_from)?;
            tokio::spawn(crate::mailer::run(store.clone(), mailer));
        }
        None if settings.demo => {
            tracing::info!("no smtp_url: mail waits in the outbox, shown at /demo/e-post")
        }
        None => tracing::warn!("no smtp_url: mail waits in the outbox until one is set"),
    }
    if let Some(metrics_addr) = &settings.metrics_addr {
        let listener = TcpListener::bind(metrics_addr)
            .await
            .with_context(|| format!("kunne ikke lytte på {metrics_addr}"))?;
        tracing::info!(addr = %listener.local_addr()?, "metrics are served on their own address");
        tokio::spawn(async move { axum::serve(listener, saman_web::metrics_app()).await });
    }
    let mut web = settings.web();
    // The demo's open doors (its mail view, its test ID-porten) open only on a database
    // that holds nothing but the demo's tenants.
    if web.demo {
        let demo_slugs = crate::demo::slugs();
        let tenants = store.list_tenants().await?;
        if tenants.iter().any(|t| !demo_slugs.contains(&t.slug)) {
            tracing::warn!(
                "demo features are off: this database holds tenants that are not the demo's"
            );
            web.demo = false;
        }
    }
    // Links in mails point here unless a public address is set.
    web.public_url
        .get_or_insert_with(|| format!("http://{addr}"));
    crate::jobs::spawn_all(store.clone(), web.base_url().to_string());
    let web = saman_web::WebConfig {
        warm_search: true,
        ..web
    };
    let app = saman_web::app(store.clone(), web);
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
