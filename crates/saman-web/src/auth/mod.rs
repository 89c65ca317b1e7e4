//! Who is asking: sessions from cookies, the client's address, CSRF checks, and the
//! extractors through which handlers ask the one policy (`saman_domain::access`).

pub mod access;
pub mod csrf;
pub mod limits;
pub mod oidc;
pub mod session;

pub use access::{Allowed, CanEditContent, CanEnterTenant, CanManageUsers, CanViewAudit, SignedIn};
pub use session::{ClientAddress, cookie_header, read_cookie};
