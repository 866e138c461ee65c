//! Identifiers: 24 lowercase hex characters, ObjectId-shaped like every Atlas id
//! (pattern `^([a-f0-9]{24})$` in the Atlas spec).

use crate::clock::UnixSeconds;

/// A new id: 4 bytes of creation time (as an ObjectId carries), then 8 random bytes. Unlike a real ObjectId
/// there is no per-process counter, so one id says nothing about the next (OWASP API1: unpredictable ids).
pub fn new_object_id(now: UnixSeconds) -> String {
    let mut bytes = [0u8; 12];
    bytes[..4].copy_from_slice(&(now.clamp(0, u32::MAX as i64) as u32).to_be_bytes());
    getrandom::fill(&mut bytes[4..]).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// Whether `candidate` is a well-formed id. Uppercase is refused: two spellings of one id would alias.
pub fn is_object_id(candidate: &str) -> bool {
    candidate.len() == 24 && candidate.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_well_formed_time_prefixed_and_distinct() {
        let now = 0x6a793fd5;
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| new_object_id(now)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| is_object_id(id) && id.starts_with("6a793fd5")));
    }

    #[test]
    fn only_24_lowercase_hex_characters_are_ids() {
        assert!(is_object_id("6a793fd52c88faeba59bd5d0"));
        assert!(!is_object_id("6A793FD52C88FAEBA59BD5D0"));
        assert!(!is_object_id("6a793fd52c88faeba59bd5d"));
        assert!(!is_object_id("6a793fd52c88faeba59bd5d00"));
        assert!(!is_object_id("zz793fd52c88faeba59bd5d0"));
        assert!(!is_object_id(""));
    }
}
