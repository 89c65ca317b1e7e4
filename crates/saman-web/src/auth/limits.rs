//! Rate limits on logins, second steps, password resets, invitations, the PDF forms and
//! the editor's Markdown preview:
//! per client address and per account (or e-mail address, hashed), so that guessing is
//! slow from one place and against one person, whichever instance answers.

use crate::AppState;
use crate::error::WebError;
use saman_domain::auth::secret::sha256_hex;
use time::Duration;

/// One limit: at most `max` attempts per `window` under a key made with `prefix`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub prefix: &'static str,
    pub max: i64,
    pub window: Duration,
}

pub const LOGIN_PER_ADDRESS: Limit = Limit {
    prefix: "login-address",
    max: 50,
    window: Duration::minutes(15),
};
pub const LOGIN_PER_ACCOUNT: Limit = Limit {
    prefix: "login-account",
    max: 10,
    window: Duration::minutes(15),
};
pub const SECOND_STEP_PER_ACCOUNT: Limit = Limit {
    prefix: "second-step",
    max: 10,
    window: Duration::minutes(15),
};
pub const RESET_PER_ADDRESS: Limit = Limit {
    prefix: "reset-address",
    max: 10,
    window: Duration::hours(1),
};
pub const RESET_PER_EMAIL: Limit = Limit {
    prefix: "reset-email",
    max: 3,
    window: Duration::hours(1),
};
pub const INVITE_PER_ACCOUNT: Limit = Limit {
    prefix: "invite",
    max: 50,
    window: Duration::hours(1),
};
pub const PDF_PER_ADDRESS: Limit = Limit {
    prefix: "pdf",
    max: 30,
    window: Duration::minutes(1),
};
/// The editor's live Markdown preview: about one a second while typing, at most.
pub const MARKDOWN_PER_ACCOUNT: Limit = Limit {
    prefix: "markdown",
    max: 120,
    window: Duration::minutes(1),
};

/// The key of a subject under a limit. E-mail addresses are hashed, so the table holds
/// none in the clear.
pub fn key(limit: Limit, subject: &str) -> String {
    let subject = network_of(subject.trim()).unwrap_or_else(|| subject.trim().to_lowercase());
    format!("{}:{}", limit.prefix, sha256_hex(subject.as_bytes()))
}

/// An IPv6 address counts as its /64 network: one household or host gets a whole /64,
/// so counting single addresses would let it try billions of times.
fn network_of(subject: &str) -> Option<String> {
    match subject.parse::<std::net::IpAddr>().ok()? {
        std::net::IpAddr::V6(v6) => {
            let segments = v6.segments();
            Some(format!(
                "{:x}:{:x}:{:x}:{:x}::/64",
                segments[0], segments[1], segments[2], segments[3]
            ))
        }
        std::net::IpAddr::V4(_) => None,
    }
}

/// Counts this attempt against each limit first, then refuses with "too many attempts"
/// if any is over: counting before checking means requests sent at the same moment
/// cannot all slip under a limit. Every attempt counts, successful ones too.
pub async fn check_and_count(state: &AppState, checks: &[(Limit, &str)]) -> Result<(), WebError> {
    for (limit, subject) in checks {
        state.store.record_attempt(&key(*limit, subject)).await?;
    }
    for (limit, subject) in checks {
        if state
            .store
            .attempts_within(&key(*limit, subject), limit.window)
            .await?
            > limit.max
        {
            return Err(WebError::TooManyRequests);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_addresses_count_by_their_network() {
        assert_eq!(
            key(LOGIN_PER_ADDRESS, "2001:db8:1:2::1"),
            key(LOGIN_PER_ADDRESS, "2001:db8:1:2:ffff::9")
        );
        assert_ne!(
            key(LOGIN_PER_ADDRESS, "2001:db8:1:2::1"),
            key(LOGIN_PER_ADDRESS, "2001:db8:1:3::1")
        );
        assert_ne!(
            key(LOGIN_PER_ADDRESS, "192.0.2.1"),
            key(LOGIN_PER_ADDRESS, "192.0.2.2")
        );
        assert_eq!(
            key(LOGIN_PER_ACCOUNT, "Kari@Fjordvik.no "),
            key(LOGIN_PER_ACCOUNT, "kari@fjordvik.no")
        );
        assert_ne!(key(LOGIN_PER_ADDRESS, "x"), key(LOGIN_PER_ACCOUNT, "x"));
    }
}
