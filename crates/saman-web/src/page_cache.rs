//! The rendered-page cache: public pages served from memory, as fast as static files.
//!
//! A public page depends only on its address, the reader's text size, the tenant's
//! published model (its model version) and the day. A page rendered once is kept with
//! the version it was rendered from and served again while that version is current,
//! already compressed, with an `ETag` that lets browsers and shared caches revalidate
//! it with a `304`. The version is known from memory ([`saman_store::Store::model_version`]),
//! so a hit costs no database round trip; a publish on any instance raises it.
//!
//! What is never cached: anything for a signed-in person (the session middleware runs
//! first and the cache steps aside), anything a route has not marked [`Cacheable`],
//! responses that set cookies, and anything but `200 OK`. Memory is bounded: past the
//! limit, the least recently used pages are dropped.

use crate::AppState;
use crate::auth::access::SignedIn;
use crate::views::TextSize;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

/// The default bound on the cache's memory (bodies, compressed copies and keys).
pub const DEFAULT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// Addresses longer than this are served but not kept (a flood of long, distinct
/// queries would only push useful pages out).
const MAX_KEY: usize = 512;

/// Bodies larger than this are not kept.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// What a route's response carries when it may be cached: what the page depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cacheable {
    /// The tenant named in the path's second segment (`/{lang}/{tenant}/…`).
    TenantModel,
    /// Every tenant (the platform's front page lists them).
    AllTenants,
    /// Nothing that changes while the server runs (the built-in assets).
    Static,
}

/// On a response of a page that may be kept in memory but not by shared caches (a
/// search for words someone typed): sent with `Cache-Control: private, no-cache`.
#[derive(Clone, Copy)]
pub struct NotShared;

/// Run on every hit of a page whose rendering had a side effect that must happen once
/// per request (a search is counted however it is served).
#[derive(Clone)]
pub struct OnHit(pub Arc<dyn Fn() + Send + Sync>);

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    uri: String,
    text_size: TextSize,
}

/// What a kept page was rendered from: the dependency's version and the day.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stamp {
    version: i64,
    day: i32,
}

struct Entry {
    stamp: Stamp,
    headers: Vec<(HeaderName, HeaderValue)>,
    etag: HeaderValue,
    gzip_etag: HeaderValue,
    /// The route's own `Cache-Control` (the assets'), or ours.
    cache_control: HeaderValue,
    vary: HeaderValue,
    body: Bytes,
    gzip: Option<Bytes>,
    on_hit: Option<OnHit>,
    last_used: AtomicU64,
    size: usize,
}

/// The pages kept, bounded by `limit` bytes.
pub struct PageCache {
    entries: RwLock<HashMap<Key, Arc<Entry>>>,
    bytes: AtomicUsize,
    limit: usize,
    /// Raised at each page kept; a page notes the value at its last use. Hits only
    /// read it (and write their entry only when it moved), so a busy cache does not
    /// make every core write one shared counter.
    clock: AtomicU64,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(DEFAULT_LIMIT_BYTES)
    }
}

impl PageCache {
    /// A cache that keeps at most `limit` bytes; 0 turns it off.
    pub fn new(limit: usize) -> PageCache {
        PageCache {
            entries: RwLock::default(),
            bytes: AtomicUsize::new(0),
            limit,
            clock: AtomicU64::new(0),
        }
    }

    /// The bytes kept now.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    fn get(&self, key: &Key, stamp: Stamp) -> Option<Arc<Entry>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        let entry = entries.get(key).filter(|e| e.stamp == stamp)?.clone();
        let now = self.clock.load(Ordering::Relaxed);
        if entry.last_used.load(Ordering::Relaxed) != now {
            entry.last_used.store(now, Ordering::Relaxed);
        }
        Some(entry)
    }

    fn put(&self, key: Key, entry: Entry) -> Arc<Entry> {
        let entry = Arc::new(entry);
        if entry.size > self.limit {
            return entry;
        }
        entry.last_used.store(
            self.clock.fetch_add(1, Ordering::Relaxed) + 1,
            Ordering::Relaxed,
        );
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let added = entry.size;
        if let Some(old) = entries.insert(key, entry.clone()) {
            self.bytes.fetch_sub(old.size, Ordering::Relaxed);
        }
        let total = self.bytes.fetch_add(added, Ordering::Relaxed) + added;
        if total > self.limit {
            self.evict(&mut entries);
        }
        metrics::gauge!("page_cache_bytes").set(self.bytes() as f64);
        entry
    }

    /// Drops the least recently used pages until a quarter of the limit is free, so
    /// that eviction (a sort) runs seldom.
    fn evict(&self, entries: &mut HashMap<Key, Arc<Entry>>) {
        let target = self.limit - self.limit / 4;
        let mut by_age: Vec<(u64, Key, usize)> = entries
            .iter()
            .map(|(k, e)| (e.last_used.load(Ordering::Relaxed), k.clone(), e.size))
            .collect();
        by_age.sort_unstable_by_key(|(used, _, _)| *used);
        let mut total = self.bytes();
        let mut evicted = 0u64;
        for (_, key, size) in by_age {
            if total <= target {
                break;
            }
            entries.remove(&key);
            total -= size;
            evicted += 1;
        }
        self.bytes.store(total, Ordering::Relaxed);
        metrics::counter!("page_cache_evictions_total").increment(evicted);
    }
}

/// The middleware: serves a kept page when its stamp is current, else renders it and
/// keeps it if the route allows. Runs inside the session middleware.
pub async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let cache = &state.pages;
    if cache.limit == 0
        || request.method() != Method::GET
        || request.extensions().get::<SignedIn>().is_some()
    {
        return next.run(request).await;
    }
    let uri = request.uri().to_string();
    if uri.len() > MAX_KEY {
        return next.run(request).await;
    }
    let key = Key {
        uri,
        text_size: TextSize::from_headers(request.headers()),
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let encoding = Encoding::accepted(request.headers());
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    // The stamp is read before rendering: a page rendered from a newer model than its
    // stamp says is only rendered again once more.
    let stamp = match stamp_of(&state, route.as_deref(), request.uri().path()).await {
        Some(stamp) => stamp,
        None => return next.run(request).await,
    };
    if let Some(entry) = cache.get(&key, stamp) {
        metrics::counter!("page_cache_hits_total").increment(1);
        if let Some(OnHit(hook)) = &entry.on_hit {
            hook();
        }
        return entry.response(encoding, if_none_match.as_ref());
    }
    let response = next.run(request).await;
    let Some(&cacheable) = response.extensions().get::<Cacheable>() else {
        return response;
    };
    let refused = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store") || v.contains("private"));
    if response.status() != StatusCode::OK
        || refused
        || response.headers().contains_key(header::SET_COOKIE)
        || response.headers().contains_key(header::CONTENT_ENCODING)
    {
        return response;
    }
    // A route marked for the tenant's model but matched without a tenant would have
    // been given the wrong stamp; such a route is a bug, not a page to keep.
    if cacheable == Cacheable::TenantModel
        && tenant_of(route.as_deref(), key.uri.as_str()).is_none()
    {
        return response;
    }
    metrics::counter!("page_cache_misses_total").increment(1);
    let on_hit = response.extensions().get::<OnHit>().cloned();
    let shared = response.extensions().get::<NotShared>().is_none();
    let (parts, body) = response.into_parts();
    let size = axum::body::HttpBody::size_hint(&body);
    if size.upper().is_none_or(|upper| upper > MAX_BODY as u64) {
        return Response::from_parts(parts, body);
    }
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            return crate::error::WebError::Internal(format!("reading a page to keep: {e}"))
                .into_response();
        }
    };
    let entry =
        Entry::new(stamp, &parts.headers, body, on_hit).described(cacheable, shared, key.uri.len());
    let entry = cache.put(key, entry);
    entry.response(encoding, if_none_match.as_ref())
}

/// The stamp of a page at this route: its dependency's version and today's date.
async fn stamp_of(state: &AppState, route: Option<&str>, path: &str) -> Option<Stamp> {
    let day = saman_store::clock::today().to_julian_day();
    let version = match tenant_of(route, path) {
        Some(slug) => state.store.model_version(slug).await.ok()??,
        None if route == Some("/assets/{file}") => 0,
        None => {
            let generation = state.store.models_generation().await.ok()?;
            i64::try_from(generation).ok()?
        }
    };
    Some(Stamp { version, day })
}

/// The tenant a route's path names, for routes under `/{lang}/{tenant}`.
fn tenant_of<'a>(route: Option<&str>, path: &'a str) -> Option<&'a str> {
    if !route?.starts_with("/{lang}/{tenant}") {
        return None;
    }
    let path = path.split('?').next().unwrap_or(path);
    path.split('/').nth(2).filter(|s| !s.is_empty())
}

#[derive(Clone, Copy)]
enum Encoding {
    Identity,
    Gzip,
}

impl Encoding {
    fn accepted(headers: &HeaderMap) -> Encoding {
        let gzip = headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|part| {
                let mut pieces = part.split(';');
                let name = pieces.next().unwrap_or("").trim();
                let refused = pieces.any(|p| {
                    let p = p.trim();
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                name.eq_ignore_ascii_case("gzip") && !refused
            });
        if gzip {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// Headers the cache sets itself or that describe one encoding only.
fn kept_header(name: &HeaderName) -> bool {
    ![
        header::CONTENT_LENGTH,
        header::CONTENT_ENCODING,
        header::ETAG,
        header::VARY,
        header::DATE,
    ]
    .contains(name)
}

impl Entry {
    fn new(stamp: Stamp, headers: &HeaderMap, body: Bytes, on_hit: Option<OnHit>) -> Entry {
        let headers: Vec<(HeaderName, HeaderValue)> = headers
            .iter()
            .filter(|(name, _)| kept_header(name))
            .map(|(n, v)| (n.clone(), v.clone()))
            .collect();
        let compressible = headers.iter().any(|(name, value)| {
            name == header::CONTENT_TYPE
                && value.to_str().is_ok_and(|v| {
                    v.starts_with("text/")
                        || v.starts_with("application/json")
                        || v.starts_with("image/svg+xml")
                })
        });
        let gzip = (compressible && body.len() > 256)
            .then(|| gzip(&body))
            .flatten();
        let digest = Sha256::digest(&body);
        let tag = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            &digest[..12],
        );
        // Each encoding is its own representation, so each has its own strong tag.
        let etag = HeaderValue::try_from(format!("\"{tag}\"")).expect("base64 is a valid header");
        let gzip_etag =
            HeaderValue::try_from(format!("\"{tag}-gz\"")).expect("base64 is a valid header");
        let size = body.len()
            + gzip.as_ref().map_or(0, Bytes::len)
            + headers
                .iter()
                .map(|(n, v)| n.as_str().len() + v.len())
                .sum::<usize>()
            // The entry, its key's map slot and allocations, roughly.
            + 1024;
        Entry {
            stamp,
            headers,
            etag,
            gzip_etag,
            cache_control: HeaderValue::from_static("public, no-cache"),
            vary: HeaderValue::from_static("Cookie, Accept-Encoding"),
            body,
            gzip,
            on_hit,
            last_used: AtomicU64::new(0),
            size,
        }
    }

    /// Says how the page may be kept by others: a route's own `Cache-Control` (kept
    /// among its headers) stands; otherwise shared caches may keep it but must ask
    /// again each time (a publish shows at once), unless it is [`NotShared`]. The text
    /// size cookie and the encoding choose the variant, but not for the assets.
    fn described(mut self, cacheable: Cacheable, shared: bool, key_length: usize) -> Entry {
        if let Some(at) = self
            .headers
            .iter()
            .position(|(name, _)| name == header::CACHE_CONTROL)
        {
            self.cache_control = self.headers.remove(at).1;
        } else if !shared {
            self.cache_control = HeaderValue::from_static("private, no-cache");
        }
        if cacheable == Cacheable::Static {
            self.vary = HeaderValue::from_static("Accept-Encoding");
        }
        self.size += key_length;
        self
    }

    fn response(&self, encoding: Encoding, if_none_match: Option<&HeaderValue>) -> Response {
        let (body, etag, gzipped) = match (&self.gzip, encoding) {
            (Some(gzip), Encoding::Gzip) => (gzip.clone(), &self.gzip_etag, true),
            _ => (self.body.clone(), &self.etag, false),
        };
        let not_modified = if_none_match.is_some_and(|given| matches_etag(given, etag));
        let mut response = if not_modified {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            r
        } else {
            Response::new(Body::from(body))
        };
        let headers = response.headers_mut();
        if !not_modified {
            for (name, value) in &self.headers {
                headers.append(name.clone(), value.clone());
            }
            if gzipped {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
        }
        headers.insert(header::ETAG, etag.clone());
        headers.insert(header::CACHE_CONTROL, self.cache_control.clone());
        headers.insert(header::VARY, self.vary.clone());
        response
    }
}

/// Whether an `If-None-Match` value names this tag (weak comparison, as for GET).
fn matches_etag(given: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(given) = given.to_str() else {
        return false;
    };
    let ours = etag.to_str().unwrap_or("");
    given
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == ours)
}

fn gzip(body: &[u8]) -> Option<Bytes> {
    // The default level: nearly as small as the best at a fraction of its time (a miss
    // compresses on the request's own thread).
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(stamp: Stamp, body: &str) -> Entry {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
        Entry::new(stamp, &headers, Bytes::from(body.to_string()), None)
    }

    fn key(uri: &str) -> Key {
        Key {
            uri: uri.into(),
            text_size: TextSize::Normal,
        }
    }

    const ONE: Stamp = Stamp { version: 1, day: 0 };
    const TWO: Stamp = Stamp { version: 2, day: 0 };

    #[test]
    fn a_page_is_served_only_while_its_stamp_is_current() {
        let cache = PageCache::new(1 << 20);
        cache.put(key("/nb/x"), entry(ONE, "one"));
        assert!(cache.get(&key("/nb/x"), ONE).is_some());
        assert!(cache.get(&key("/nb/x"), TWO).is_none());
        assert!(cache.get(&key("/nb/y"), ONE).is_none());
        let large = Key {
            text_size: TextSize::Large,
            ..key("/nb/x")
        };
        assert!(cache.get(&large, ONE).is_none());
    }

    #[test]
    fn memory_stays_under_the_limit_and_the_least_recently_used_go_first() {
        let page = "x".repeat(1000);
        let size = entry(ONE, &page).size;
        let cache = PageCache::new(size * 10);
        for i in 0..10 {
            cache.put(key(&format!("/p/{i}")), entry(ONE, &page));
        }
        // Page 0 is read again, so it is the most recently used.
        assert!(cache.get(&key("/p/0"), ONE).is_some());
        for i in 10..40 {
            cache.put(key(&format!("/p/{i}")), entry(ONE, &page));
            assert!(cache.bytes() <= size * 10, "over the limit at {i}");
        }
        assert!(cache.get(&key("/p/1"), ONE).is_none());
        assert!(cache.get(&key("/p/39"), ONE).is_some());
        let kept = cache.entries.read().unwrap().len();
        assert_eq!(cache.bytes(), kept * size);
    }

    #[test]
    fn replacing_a_page_counts_its_bytes_once() {
        let cache = PageCache::new(1 << 20);
        cache.put(key("/a"), entry(ONE, "first"));
        cache.put(key("/a"), entry(TWO, "second"));
        assert_eq!(cache.bytes(), entry(TWO, "second").size);
    }

    #[test]
    fn etags_match_as_browsers_send_them() {
        let tag = HeaderValue::from_static("\"abc\"");
        for given in ["\"abc\"", "W/\"abc\"", "\"x\", \"abc\"", "*"] {
            assert!(matches_etag(&HeaderValue::from_str(given).unwrap(), &tag));
        }
        for given in ["\"abcd\"", "abc", ""] {
            assert!(!matches_etag(&HeaderValue::from_str(given).unwrap(), &tag));
        }
    }

    #[test]
    fn gzip_is_chosen_only_when_accepted() {
        let mut headers = HeaderMap::new();
        assert!(matches!(Encoding::accepted(&headers), Encoding::Identity));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip;q=0.8"),
        );
        assert!(matches!(Encoding::accepted(&headers), Encoding::Gzip));
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0, br"),
        );
        assert!(matches!(Encoding::accepted(&headers), Encoding::Identity));
    }

    #[test]
    fn the_tenant_is_taken_from_tenant_routes_only() {
        assert_eq!(
            tenant_of(
                Some("/{lang}/{tenant}/innhold/{item}"),
                "/nb/fjordvik/innhold/x"
            ),
            Some("fjordvik")
        );
        assert_eq!(
            tenant_of(Some("/{lang}/{tenant}"), "/nb/fjordvik"),
            Some("fjordvik")
        );
        assert_eq!(tenant_of(Some("/{first}"), "/nb"), None);
        assert_eq!(tenant_of(None, "/nb/fjordvik"), None);
    }
}
