//! Operations: health and readiness, Prometheus metrics, request logs and the security
//! headers every response carries.

use crate::AppState;
use crate::error::KeepBody;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

const LATENCY: &str = "http_request_duration_seconds";

/// Installs the process-wide metrics recorder once; later calls reuse it.
pub fn install_metrics_recorder() -> &'static PrometheusHandle {
    METRICS.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(LATENCY.into()),
                &[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                ],
            )
            // Only bucket values that are finite and ordered are rejected; ours are.
            .expect("latency buckets are valid")
            .install_recorder()
            .expect("the metrics recorder is installed once, here")
    })
}

/// Counts requests by route and status, times them, and logs each one. The route is the
/// matched pattern (`/{lang}/{tenant}/innhold/{item}`), never the concrete path or query,
/// so no reader's input reaches the logs or the metrics.
pub async fn track_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status.clone())
        .increment(1);
    metrics::histogram!(LATENCY, "method" => method.clone(), "route" => route.clone())
        .record(elapsed.as_secs_f64());
    tracing::info!(
        method,
        route,
        status,
        latency_ms = elapsed.as_secs_f64() * 1000.0,
        "request"
    );
    response
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            let mut response =
                (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response();
            response.extensions_mut().insert(KeepBody);
            response
        }
    }
}

/// The metrics, on a listener of their own (no token needed there).
pub async fn metrics() -> impl IntoResponse {
    let body = install_metrics_recorder().render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}

/// The metrics on the main listener: only with the configured bearer token; otherwise
/// the address is not there at all.
pub async fn metrics_with_token(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let allowed = state.config.metrics_token.as_deref().is_some_and(|token| {
        saman_domain::auth::secret::constant_time_eq(token.as_bytes(), given.as_bytes())
    });
    if allowed {
        metrics().await.into_response()
    } else {
        crate::error::WebError::NotFound.into_response()
    }
}

/// The policy for files the model's authors supplied (attachments, logos): opened on
/// their own, they run nothing and load nothing.
pub const FILE_POLICY: &str =
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

/// Pages load nothing from elsewhere, cannot be framed, and send no referrer. A handler
/// may set a stricter policy of its own (see [`FILE_POLICY`]).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
