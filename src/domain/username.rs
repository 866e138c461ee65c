//! MongoDB Cloud usernames are email addresses (`format: email` in the Atlas spec).

use crate::domain::error::DomainError;

const MAX_LENGTH: usize = 254; // RFC 5321 path limit
const MAX_LOCAL_PART: usize = 64;

/// Checks that `username` is a plain ASCII mailbox: `local@domain.tld`, no quoted local parts, no comments,
/// no surrounding space. Refused addresses get INVALID_USERNAME, the code Atlas answers with.
pub fn validate(username: &str) -> Result<(), DomainError> {
    let refuse = || DomainError::InvalidUsername(username.to_string());
    if username.is_empty() || username.len() > MAX_LENGTH || !username.is_ascii() {
        return Err(refuse());
    }
    let (local, domain) = username.split_once('@').ok_or_else(refuse)?;
    if !local_part_ok(local) || !domain_ok(domain) {
        return Err(refuse());
    }
    Ok(())
}

/// The form used for uniqueness and lookups: email addresses are compared without regard to case.
pub fn normalize(username: &str) -> String {
    username.to_ascii_lowercase()
}

fn local_part_ok(local: &str) -> bool {
    const SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~.";
    !local.is_empty()
        && local.len() <= MAX_LOCAL_PART
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.bytes().all(|b| b.is_ascii_alphanumeric() || SPECIALS.contains(&b))
}

fn domain_ok(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && labels.last().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_alphabetic()) && tld.len() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_addresses_pass() {
        for ok in ["test-738@mongodb.com", "a.b+tag@sub.example.co", "o'brien@example.org"] {
            assert!(validate(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn non_addresses_are_refused() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_total = format!("a@{}.com", "b".repeat(250));
        for bad in [
            "bob",
            "bob@",
            "@example.com",
            "bob@example",
            "bob@@example.com",
            " bob@example.com",
            "bob@example.com ",
            "üser@example.com",
            "\"a' OR '1'='1\"@example.com",
            "a'; DROP TABLE invites;--@x.com",
            "a\0b@example.com",
            "a..b@example.com",
            "bob@-example.com",
            "bob@example.c0m",
            long_local.as_str(),
            long_total.as_str(),
        ] {
            assert_eq!(validate(bad), Err(DomainError::InvalidUsername(bad.to_string())));
        }
    }

    #[test]
    fn normalization_ignores_case() {
        assert_eq!(normalize("Alice@Example.COM"), "alice@example.com");
    }
}
