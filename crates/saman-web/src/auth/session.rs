//! The session cookie: which session a request belongs to, loaded once per request by
//! a middleware and handed to handlers as [`SignedIn`](super::SignedIn).

use super::access::SignedIn;
use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use saman_domain::access::{Actor, Assurance};
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

/// The session cookie's name: `__Host-` prefixed when served over HTTPS, so that no
/// other site or path can set it.
pub fn session_cookie(https: bool) -> &'static str {
    if https {
        "__Host-saman_session"
    } else {
        "saman_session"
    }
}

/// The cookie that ties a login at a provider to the browser that started it.
pub fn oidc_cookie(https: bool) -> &'static str {
    if https {
        "__Host-saman_oidc"
    } else {
        "saman_oidc"
    }
}

/// The cookie of a login form before there is a session (double-submit CSRF token).
pub fn login_csrf_cookie(https: bool) -> &'static str {
    if https {
        "__Host-saman_csrf"
    } else {
        "saman_csrf"
    }
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, Secure on HTTPS. `None` for
/// `max_age` makes a session cookie; `Some(0)` removes the cookie.
pub fn cookie_header(name: &str, value: &str, https: bool, max_age: Option<i64>) -> HeaderValue {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if https {
        cookie.push_str("; Secure");
    }
    if let Some(age) = max_age {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    // Tokens are URL-safe base64 and names are fixed: always a valid header value.
    HeaderValue::from_str(&cookie).expect("cookie values are visible ASCII")
}

pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// Loads the session named by the cookie (if any) with its account and roles, and marks
/// every response to a signed-in person as not to be stored by any cache.
pub async fn load_session(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let https = state.config.https();
    let token = read_cookie(request.headers(), session_cookie(https)).map(str::to_string);
    // A request that only shows something may take its session from memory; one that
    // may change something reads it from the database, and is answered only once this
    // instance has heard every change committed so far (saman-store: session_cache.rs;
    // below).
    let shows_only = matches!(*request.method(), Method::GET | Method::HEAD);
    let mut signed_in = None;
    if let Some(token) = token {
        match signed_in_from(&state, &token, shows_only).await {
            Ok(found) => signed_in = found,
            Err(e) => tracing::error!(error = %e, "could not load a session"),
        }
    }
    let signed_in_now = signed_in.is_some();
    if let Some(s) = signed_in {
        request.extensions_mut().insert(s);
    }
    let mut response = next.run(request).await;
    // Only a signed-in person's request that went through can have changed anything
    // sessions depend on (a person signing in starts a session of their own, and a
    // forgotten password's new one ends the old sessions in the database anyway):
    // anyone else's costs the database nothing.
    let went_through = response.status().is_success() || response.status().is_redirection();
    if signed_in_now && !shows_only && went_through {
        state.store.settle_kept_sessions().await;
    }
    if signed_in_now {
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if https {
        response.headers_mut().insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

async fn signed_in_from(
    state: &AppState,
    token: &str,
    from_memory: bool,
) -> saman_store::Result<Option<SignedIn>> {
    let limits = state.config.sessions;
    let live = if from_memory {
        state.store.kept_live_session(token, limits).await?
    } else {
        state.store.live_session(token, limits).await?
    };
    let Some(live) = live else {
        return Ok(None);
    };
    let saman_store::LiveSession {
        session,
        account,
        mut grants,
        tenant_slug,
        pid_key,
        services,
    } = live;
    // A tenant's directory vouches for people in that tenant only.
    if session.method == "oidc" {
        grants.retain(|g| g.tenant_id.as_deref() == Some(session.tenant_id.as_str()));
    }
    let assurance = if session.complete {
        Assurance::Strong
    } else {
        Assurance::Password
    };
    Ok(Some(SignedIn {
        actor: Actor {
            account_id: account.id.clone(),
            grants,
            assurance,
        },
        account,
        session,
        tenant_slug,
        pid_key,
        services,
    }))
}

/// The client's address: the connection's peer, or the address a trusted proxy says
/// it forwarded for. A forwarded header from anyone else changes nothing.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(
            client_address(peer, &parts.headers, &state.config.trusted_proxies)
                .map_or_else(|| "unknown".to_string(), |ip| ip.to_string()),
        ))
    }
}

/// Walks `X-Forwarded-For` from the right while the hop is a trusted proxy.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<IpAddr> {
    let mut address = peer?;
    if !trusted.contains(&address) {
        return Some(address);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for hop in forwarded.iter().rev() {
        address = *hop;
        if !trusted.contains(hop) {
            break;
        }
    }
    Some(address)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let client: IpAddr = "203.0.113.7".parse().unwrap();
        let stranger: IpAddr = "198.51.100.9".parse().unwrap();
        let spoof = headers("1.2.3.4, 203.0.113.7");
        assert_eq!(client_address(Some(proxy), &spoof, &[proxy]), Some(client));
        assert_eq!(
            client_address(Some(stranger), &spoof, &[proxy]),
            Some(stranger)
        );
        assert_eq!(client_address(Some(stranger), &spoof, &[]), Some(stranger));
        let chain = headers("203.0.113.7, 10.0.0.2");
        let inner: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            client_address(Some(proxy), &chain, &[proxy, inner]),
            Some(client)
        );
    }

    #[test]
    fn cookies_are_http_only_and_secure_on_https() {
        let c = cookie_header(session_cookie(true), "abc", true, None);
        assert_eq!(
            c.to_str().unwrap(),
            "__Host-saman_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        let c = cookie_header(session_cookie(false), "", false, Some(0));
        assert_eq!(
            c.to_str().unwrap(),
            "saman_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"
        );
    }
}
