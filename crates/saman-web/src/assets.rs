//! Static files, built into the binary so that Saman runs from anywhere and no page
//! loads anything from another site.

use crate::error::WebError;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "designsystemet.css",
        "text/css",
        include_bytes!("../assets/vendor/designsystemet/designsystemet.css"),
    ),
    (
        "theme.css",
        "text/css",
        include_bytes!("../assets/vendor/designsystemet/theme.css"),
    ),
    (
        "saman.css",
        "text/css",
        include_bytes!("../assets/saman.css"),
    ),
    (
        "print.css",
        "text/css",
        include_bytes!("../assets/print.css"),
    ),
    (
        "inter-latin.woff2",
        "font/woff2",
        include_bytes!("../assets/vendor/inter/inter-latin-wght-normal.woff2"),
    ),
    (
        "inter-latin-ext.woff2",
        "font/woff2",
        include_bytes!("../assets/vendor/inter/inter-latin-ext-wght-normal.woff2"),
    ),
    (
        "search.js",
        "text/javascript",
        include_bytes!("../assets/search.js"),
    ),
    (
        "editor.js",
        "text/javascript",
        include_bytes!("../assets/editor.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../assets/favicon.svg"),
    ),
];

pub async fn serve(Path(file): Path<String>) -> Result<impl IntoResponse, WebError> {
    let (_, media_type, bytes) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, *media_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        *bytes,
    ))
}
