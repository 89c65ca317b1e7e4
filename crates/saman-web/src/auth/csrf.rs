//! Cross-site request forgery: every state-changing request must come from a page of
//! this site (checked by `Sec-Fetch-Site`, or `Origin` where a browser sends only that),
//! and every form carries a token tied to the session (or, before login, to a cookie).

use crate::error::WebError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use saman_domain::auth::secret::constant_time_eq;

/// Refuses state-changing requests sent from another site.
pub async fn same_origin_only(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !from_this_site(request.headers()) {
        tracing::warn!("refused a cross-site request");
        return WebError::Forbidden.into_response();
    }
    next.run(request).await
}

fn from_this_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        // Without either header (not a browser, or a very old one) the form token decides.
        None => true,
        Some(origin) => {
            let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            !origin_host.is_empty() && origin_host.eq_ignore_ascii_case(host)
        }
    }
}

/// The token in a form read as a list of fields (empty if none), for [`check_token`].
pub fn token_in(form: &[(String, String)]) -> &str {
    form.iter()
        .find(|(k, _)| k == "csrf")
        .map_or("", |(_, v)| v.as_str())
}

/// Checks a form's token against the expected one; a wrong or missing token is refused.
pub fn check_token(expected: &str, given: &str) -> Result<(), WebError> {
    if !expected.is_empty() && constant_time_eq(expected.as_bytes(), given.as_bytes()) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn cross_site_requests_are_refused() {
        assert!(from_this_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!from_this_site(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!from_this_site(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(from_this_site(&headers(&[
            ("origin", "http://a.no:8080"),
            ("host", "a.no:8080")
        ])));
        assert!(!from_this_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "a.no")
        ])));
        assert!(!from_this_site(&headers(&[
            ("origin", "null"),
            ("host", "a.no")
        ])));
        assert!(from_this_site(&headers(&[])));
    }

    #[test]
    fn tokens_must_match() {
        assert!(check_token("abc", "abc").is_ok());
        assert!(check_token("abc", "abd").is_err());
        assert!(check_token("", "").is_err());
    }
}
