//! The web settings the binary passes in.

use saman_store::SessionLimits;
use std::net::IpAddr;

#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// The address people reach Saman at, e.g. `https://saman.fjordvik.no`. With https,
    /// cookies are `Secure` and `__Host-` prefixed, and HSTS is sent.
    pub public_url: Option<String>,
    pub sessions: SessionLimits,
    /// Proxies whose `X-Forwarded-For` is believed; from anywhere else it is ignored.
    pub trusted_proxies: Vec<IpAddr>,
    /// Demo mode: the demo's mail view is open.
    pub demo: bool,
    /// With a token, `/metrics` on the main listener answers a request that carries it
    /// as `Authorization: Bearer …`; without one it is not there (see [`crate::metrics_app`]
    /// for a listener of its own).
    pub metrics_token: Option<String>,
    /// ID-porten, for guardians and youth. In demo mode without one, the built-in test
    /// ID-porten is used.
    pub idporten: Option<crate::auth::oidc::ProviderConfig>,
    /// Set by [`crate::app`] when the demo's test ID-porten stands in for the real one.
    pub test_idporten: bool,
    /// Each tenant's own directory for staff (e.g. Entra ID), by tenant slug.
    pub tenant_oidc: std::collections::HashMap<String, TenantDirectory>,
    /// Build the tenants' search indexes in the background at start, so that the first
    /// search does not wait (the server does; tests do not).
    pub warm_search: bool,
    /// The bound on the rendered-page cache's memory, in bytes: `None` for the
    /// default (64 MiB), `Some(0)` to keep no pages.
    pub page_cache_bytes: Option<usize>,
}

/// A tenant's own directory for staff.
#[derive(Debug, Clone)]
pub struct TenantDirectory {
    pub provider: crate::auth::oidc::ProviderConfig,
    /// What the login button calls it.
    pub label: String,
    /// Whether the directory's own second factor (`amr` holding `mfa`) stands in for
    /// Saman's two-step login. Off unless the tenant says its directory enforces one.
    pub trust_mfa: bool,
}

impl WebConfig {
    pub fn https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }

    /// Where links in mails point: the public address, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.public_url
            .as_deref()
            .unwrap_or("http://127.0.0.1:8080")
            .trim_end_matches('/')
    }
}
