//! Reader settings that work without JavaScript: a form posts, a cookie remembers.

use crate::error::WebError;
use crate::views::{TEXT_SIZE_COOKIE, TextSize};
use axum::Form;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TextSizeForm {
    size: String,
    back: String,
}

/// Sets the text size and returns to the page the reader came from.
pub async fn text_size(Form(form): Form<TextSizeForm>) -> Result<impl IntoResponse, WebError> {
    let size = TextSize::from_key(&form.size).ok_or_else(|| WebError::BadRequest(String::new()))?;
    // Only a path on this site: never an address elsewhere.
    let on_this_site = form.back.starts_with('/')
        && !form.back.starts_with("//")
        && form
            .back
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'\\');
    let back = if on_this_site {
        form.back
    } else {
        "/".to_string()
    };
    let cookie = format!(
        "{TEXT_SIZE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        size.key()
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&back)))
}
