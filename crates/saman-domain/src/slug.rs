//! Slugs: the stable, URL-safe names of tenants, items and timeline entries.

/// Whether `s` is a valid slug: 2–80 characters of a–z, 0–9 and `-`, not starting or
/// ending with `-`.
pub fn is_valid(s: &str) -> bool {
    (2..=80).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Words the site's own addresses use where a tenant's slug would stand, so no tenant
/// may use them.
pub const RESERVED_TENANT_SLUGS: &[&str] = &[
    "nb",
    "nn",
    "assets",
    "healthz",
    "readyz",
    "metrics",
    "logo",
    "innstillinger",
    "demo",
    "plattform",
    "idporten",
    "oidc",
    "test-idporten",
];

#[cfg(test)]
mod tests {
    use super::is_valid;

    #[test]
    fn slugs() {
        assert!(is_valid("helsestasjon"));
        assert!(is_valid("0-5-ar"));
        for bad in ["a", "Helse", "bø", "-x", "x-", "a b", "a/b", "a.md"] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert!(!is_valid(&"a".repeat(81)));
    }
}
