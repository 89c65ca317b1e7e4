//! The rendered-page cache: public pages served again from memory, compressed, with
//! tags browsers and shared caches revalidate; never a signed-in person's page.

use crate::common::{Backend, TestApp, session_cookie};
use saman_domain::access::Role;

crate::on_both_backends!(
    public_pages_are_served_again_with_tags_and_gzip,
    a_signed_in_persons_pages_are_never_kept_or_shared,
    each_text_size_is_a_page_of_its_own,
    a_tag_always_names_the_bytes_sent,
);

async fn public_pages_are_served_again_with_tags_and_gzip(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let url = format!("{}/nb/fjordvik/innhold/helsestasjon", app.base);
    let first = get(&app, &url, None).await;
    assert_eq!(first.status().as_u16(), 200);
    let tag = etag(&first);
    assert_eq!(first.headers()["cache-control"], "public, no-cache");
    let body = first.text().await.unwrap();

    let again = get(&app, &url, None).await;
    assert_eq!(etag(&again), tag);
    assert_eq!(again.text().await.unwrap(), body, "the same page");

    // A browser that has it is told it has not changed, with no body.
    let revalidated = get(&app, &url, Some(("if-none-match", &tag))).await;
    assert_eq!(revalidated.status().as_u16(), 304);
    assert_eq!(etag(&revalidated), tag);
    assert!(revalidated.bytes().await.unwrap().is_empty());
    let other_tag = get(&app, &url, Some(("if-none-match", "\"something-else\""))).await;
    assert_eq!(other_tag.status().as_u16(), 200);

    // Compressed for those who accept it, with a tag of its own; the same page inside.
    let gzipped = get(&app, &url, Some(("accept-encoding", "gzip"))).await;
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gzip_tag = etag(&gzipped);
    assert_ne!(gzip_tag, tag);
    let compressed = gzipped.bytes().await.unwrap();
    let mut unpacked = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&compressed[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, body);

    // What someone searched for is not for shared caches; the assets keep their own
    // lifetime and vary by encoding only.
    let search = app
        .client
        .get(format!("{}/nb/fjordvik/sok?q=mobbing", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(search.headers()["cache-control"], "private, no-cache");
    let asset = app
        .client
        .get(format!("{}/assets/saman.css", app.base))
        .send()
        .await
        .unwrap();
    assert!(
        asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    assert_eq!(asset.headers()["vary"], "Accept-Encoding");
    assert!(asset.headers().get("etag").is_some());

    // The figures page follows the relay logs, not the model: never kept.
    let figures = app
        .client
        .get(format!("{}/nb/fjordvik/om-arbeidet", app.base))
        .send()
        .await
        .unwrap();
    assert!(figures.headers().get("etag").is_none());
}

async fn a_signed_in_persons_pages_are_never_kept_or_shared(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let path = "/nb/testvik/innhold/helsestasjon";
    let account = crate::common::add_person(
        &app.store,
        Some("testvik"),
        "ansatt@testvik.example",
        Role::Employee,
    )
    .await;
    let tenant = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let cookie = session_cookie(&app.store, &account, tenant.id.as_str()).await;
    // Kept for the public first; the signed-in person still gets a page of their own.
    let anonymous = app.page(path).await;
    assert!(!anonymous.contains("Test employee"));
    for _ in 0..2 {
        let mine = app
            .client
            .get(format!("{}{path}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(mine.headers()["cache-control"], "no-store");
        assert!(mine.headers().get("etag").is_none());
        assert!(mine.text().await.unwrap().contains("Test employee"));
    }
    // And the public never gets theirs.
    assert!(!app.page(path).await.contains("Test employee"));
}

async fn each_text_size_is_a_page_of_its_own(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let url = format!("{}/nb/testvik", app.base);
    let normal = app.page("/nb/testvik").await;
    let large = app
        .client
        .get(&url)
        .header("cookie", "saman_tekst=large")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(normal.contains("class=\"text-normal\""), "{normal}");
    assert!(large.contains("class=\"text-large\""), "{large}");
    assert!(
        app.page("/nb/testvik")
            .await
            .contains("class=\"text-normal\"")
    );
}

async fn a_tag_always_names_the_bytes_sent(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    // Suggestions for a word found nowhere: a body too small for the page cache to keep
    // a compressed copy of. It must not be compressed on the way out under the same tag
    // as the plain bytes, or a cache would hand one for the other.
    let url = format!("{}/nb/fjordvik/sok/forslag?q=qqqqqqqq", app.base);
    let plain = get(&app, &url, None).await;
    assert_eq!(plain.status().as_u16(), 200);
    let tag = etag(&plain);
    let plain_body = plain.bytes().await.unwrap();
    assert!(
        plain_body.len() <= 256,
        "a small body: {}",
        plain_body.len()
    );
    let asked_gzip = get(&app, &url, Some(("accept-encoding", "gzip"))).await;
    let encoding = asked_gzip.headers().get("content-encoding").cloned();
    let gzip_tag = etag(&asked_gzip);
    let body = asked_gzip.bytes().await.unwrap();
    if encoding.is_some() {
        assert_ne!(gzip_tag, tag, "compressed bytes under the plain bytes' tag");
    } else {
        assert_eq!(gzip_tag, tag);
        assert_eq!(body, plain_body);
    }
}

/// `url`, with one request header if given.
async fn get(app: &TestApp, url: &str, header: Option<(&str, &str)>) -> reqwest::Response {
    let mut request = app.client.get(url);
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

fn etag(response: &reqwest::Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_string()
}
