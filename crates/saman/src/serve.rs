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
    tokio::spawn(purge_daily(store.clone()));
    tokio::spawn(review_reminders_daily(
        store.clone(),
        web.base_url().to_string(),
    ));
    tokio::spawn(mail_relay_notifications(
        store.clone(),
        web.base_url().to_string(),
    ));
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

/// Mails relay log notifications (a link only) every minute, through the outbox.
async fn mail_relay_notifications(store: saman_store::Store, base_url: String) {
    let relay = saman_relay::Relay::new(store.clone());
    let mut every_minute = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        let tenants = match store.list_tenants().await {
            Ok(tenants) => tenants,
            Err(e) => {
                tracing::error!("relay notifications: {e}");
                continue;
            }
        };
        let compose = |pending: &saman_relay::storage::notifications::PendingMail| {
            let name = tenants
                .iter()
                .find(|t| t.slug == pending.tenant_slug)
                .map_or(pending.tenant_slug.as_str(), |t| t.name(pending.language));
            saman_web::relay_notification_mail(pending, &base_url, name)
        };
        if let Err(e) = relay.mail_notifications(compose).await {
            tracing::error!("mailing relay notifications failed: {e}");
        }
    }
}

/// A daily tick, the first a minute after start so that a start is not slowed by it.
fn daily_from_a_minute_after_start() -> tokio::time::Interval {
    tokio::time::interval_at(
        tokio::time::Instant::now() + std::time::Duration::from_secs(60),
        std::time::Duration::from_secs(24 * 60 * 60),
    )
}

/// Once a day (first a minute after start): mails the owners of items whose review
/// falls due, through the outbox; each item and date once, whichever instance runs first.
async fn review_reminders_daily(store: saman_store::Store, base_url: String) {
    let mut every_day = daily_from_a_minute_after_start();
    loop {
        every_day.tick().await;
        let tenants = match store.list_tenants().await {
            Ok(tenants) => tenants,
            Err(e) => {
                tracing::error!("review reminders: {e}");
                continue;
            }
        };
        let compose = |reminder: &saman_store::ReviewReminder| {
            let name = tenants
                .iter()
                .find(|t| t.slug == reminder.tenant_slug)
                .map_or(reminder.tenant_slug.as_str(), |t| t.name(reminder.language));
            saman_web::review_reminder_mail(reminder, &base_url, name)
        };
        match store
            .send_review_reminders(saman_store::clock::today(), compose)
            .await
        {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "review reminders queued"),
            Err(e) => tracing::error!("review reminders failed: {e}"),
        }
    }
}

/// Once a day (first a minute after start): reminders of consents ending or ended and evaluations
/// overdue, and deletion of relay logs whose retention period has ended.
async fn purge_daily(store: saman_store::Store) {
    let relay = saman_relay::Relay::new(store);
    let mut every_day = daily_from_a_minute_after_start();
    loop {
        every_day.tick().await;
        if let Err(e) = relay.daily_reminders().await {
            tracing::error!("relay log reminders failed: {e}");
        }
        match relay.purge_due().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged relay logs after their retention period"),
            Err(e) => tracing::error!("purging relay logs failed: {e}"),
        }
        if let Err(e) = relay
            .store()
            .purge_survey_invitations(saman_store::clock::today())
            .await
        {
            tracing::error!("purging survey invitations failed: {e}");
        }
    }
}
