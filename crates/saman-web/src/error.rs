//! Errors as pages: handlers return a [`WebError`], and one middleware renders every
//! error status as a page in the language of the path. Nothing internal is shown:
//! the detail goes to the log under an error id that the page gives the reader.

use crate::i18n::Tr;
use crate::views::{Chrome, TextSize};
use askama::Template;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use saman_domain::Lang;

#[derive(Debug)]
pub enum WebError {
    /// Unknown tenant, page or item, or something the reader may not see.
    NotFound,
    /// A malformed parameter, with a message for the reader.
    BadRequest(String),
    /// A request from another site, or a form without its token.
    Forbidden,
    /// Too many attempts from one address or against one account: wait and try again.
    TooManyRequests,
    /// Something failed on our side; the detail is for the log only.
    Internal(String),
    /// The disk is full: nothing of the request was saved, and it may be tried again
    /// when there is room. The detail is for the log only.
    StorageFull(String),
}

impl From<saman_store::StoreError> for WebError {
    fn from(e: saman_store::StoreError) -> Self {
        match e {
            // A form from a session that ended meanwhile: as a stale form.
            saman_store::StoreError::SessionEnded => WebError::Forbidden,
            saman_store::StoreError::NotFound => WebError::NotFound,
            e if e.is_storage_full() => WebError::StorageFull(e.to_string()),
            e => WebError::Internal(e.to_string()),
        }
    }
}

/// Attached to an error response to say what the page should show.
#[derive(Clone)]
struct ErrorDetail {
    message: Option<String>,
    error_id: Option<String>,
}

/// Attached to a response whose body must be left as it is.
#[derive(Clone)]
pub struct KeepBody;

/// A form page shown again with its problems: 422, with the page as it is.
pub fn form_with_problems(page: Html<String>) -> Response {
    page_with_status(StatusCode::UNPROCESSABLE_ENTITY, page)
}

/// A page of our own with an error status (e.g. 409 for a conflict), kept as it is.
pub fn page_with_status(status: StatusCode, page: Html<String>) -> Response {
    let mut response = (status, page).into_response();
    response.extensions_mut().insert(KeepBody);
    response
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, detail) = match self {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                ErrorDetail {
                    message: None,
                    error_id: None,
                },
            ),
            WebError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                ErrorDetail {
                    message: Some(message),
                    error_id: None,
                },
            ),
            WebError::Forbidden => (
                StatusCode::FORBIDDEN,
                ErrorDetail {
                    message: None,
                    error_id: None,
                },
            ),
            WebError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                ErrorDetail {
                    message: None,
                    error_id: None,
                },
            ),
            WebError::StorageFull(detail) => {
                let error_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                tracing::error!(error_id, error = %detail, "the disk is full: a write was refused");
                (
                    StatusCode::INSUFFICIENT_STORAGE,
                    ErrorDetail {
                        message: None,
                        error_id: Some(error_id),
                    },
                )
            }
            WebError::Internal(detail) => {
                let error_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
                tracing::error!(error_id, error = %detail, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ErrorDetail {
                        message: None,
                        error_id: Some(error_id),
                    },
                )
            }
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(detail);
        response
    }
}

/// Any route not matched.
pub async fn fallback() -> WebError {
    WebError::NotFound
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    body: String,
    message: Option<String>,
    error_id: Option<String>,
}

/// Renders every error response (ours, axum's rejections, unknown routes) as a page.
pub async fn render_error_pages(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let lang = path
        .split('/')
        .nth(1)
        .and_then(|segment| segment.parse::<Lang>().ok())
        .unwrap_or(Lang::Nb);
    let text_size = TextSize::from_headers(request.headers());
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<KeepBody>().is_some()
    {
        return response;
    }
    let detail = response
        .extensions()
        .get::<ErrorDetail>()
        .cloned()
        .unwrap_or(ErrorDetail {
            message: None,
            error_id: None,
        });
    let tr = Tr::new(lang);
    let key = match status.as_u16() {
        403 => "403",
        429 => "429",
        404 => "404",
        405 => "405",
        507 => "507",
        code if code >= 500 => "500",
        _ => "400",
    };
    let page = ErrorPage {
        chrome: Chrome::platform(
            lang,
            tr.t(&format!("error-{key}-title")),
            text_size,
            &path,
            None,
        ),
        heading: tr.t(&format!("error-{key}-title")),
        body: tr.t(&format!("error-{key}-body")),
        message: detail.message,
        error_id: detail.error_id.map(|id| tr.t1("error-id", "id", id)),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "could not render the error page");
            status.into_response()
        }
    }
}
