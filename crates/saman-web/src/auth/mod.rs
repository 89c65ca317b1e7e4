//! Who is asking: sessions from cookies, the client's address, CSRF checks, and the
//! extractors through which handlers ask the one policy (`saman_domain::access`).

pub mod access;
pub mod csrf;
pub mod limits;
pub mod oidc;
pub mod session;

pub use access::{Allowed, CanEditContent, CanEnterTenant, CanManageUsers, CanViewAudit, SignedIn};
pub use session::{ClientAddress, cookie_header, read_cookie};

/// Runs password hashing or checking (Argon2id, 19 MiB each) off the request threads,
/// a few at a time, so a burst of logins cannot exhaust memory or starve other work.
pub async fn password_work<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, crate::error::WebError> {
    static PERMITS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
    let _permit = PERMITS
        .acquire()
        .await
        .map_err(|e| crate::error::WebError::Internal(format!("password permits: {e}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::WebError::Internal(format!("password task: {e}")))
}
