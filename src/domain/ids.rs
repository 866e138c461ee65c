//! Identifiers: 24 lowercase hex characters, ObjectId-shaped like every Atlas id (pattern `^([a-f0-9]{24})$`
//! in the Atlas spec). An `ObjectId` is parsed once, where the text enters the server; past that point an id is
//! known to be well formed.

use std::fmt;

use crate::clock::UnixSeconds;

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 12]);

impl ObjectId {
    /// A new id: 4 bytes of creation time (as an ObjectId carries), then 8 random bytes. Unlike a real ObjectId
    /// there is no per-process counter, so one id says nothing about the next (OWASP API1: unpredictable ids).
    pub fn new(now: UnixSeconds) -> ObjectId {
        let mut bytes = [0u8; 12];
        bytes[..4].copy_from_slice(&(now.clamp(0, u32::MAX as i64) as u32).to_be_bytes());
        getrandom::fill(&mut bytes[4..]).expect("the operating system's random source failed");
        ObjectId(bytes)
    }

    /// Parses the wire form. Uppercase is refused: two spellings of one id would alias.
    pub fn parse(candidate: &str) -> Option<ObjectId> {
        if candidate.len() != 24 || !candidate.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        let mut bytes = [0u8; 12];
        hex::decode_to_slice(candidate, &mut bytes).ok()?;
        Some(ObjectId(bytes))
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = [0u8; 24];
        hex::encode_to_slice(self.0, &mut text).map_err(|_| fmt::Error)?;
        f.write_str(std::str::from_utf8(&text).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for ObjectId {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ObjectId::parse(text).ok_or_else(|| format!("{text:?} is not an id (24 lowercase hexadecimal characters)"))
    }
}

impl serde::Serialize for ObjectId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ObjectId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_well_formed_time_prefixed_and_distinct() {
        let now = 0x6a793fd5;
        let ids: std::collections::HashSet<ObjectId> = (0..10_000).map(|_| ObjectId::new(now)).collect();
        assert_eq!(ids.len(), 10_000);
        assert!(ids.iter().all(|id| id.to_string().starts_with("6a793fd5")));
    }

    #[test]
    fn only_24_lowercase_hex_characters_are_ids() {
        let id = ObjectId::parse("6a793fd52c88faeba59bd5d0").expect("an id");
        assert_eq!(id.to_string(), "6a793fd52c88faeba59bd5d0");
        for bad in [
            "6A793FD52C88FAEBA59BD5D0",
            "6a793fd52c88faeba59bd5d",
            "6a793fd52c88faeba59bd5d00",
            "zz793fd52c88faeba59bd5d0",
            "",
        ] {
            assert_eq!(ObjectId::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_order_as_their_text() {
        let a = ObjectId::parse("0a0000000000000000000000").unwrap();
        let b = ObjectId::parse("a00000000000000000000000").unwrap();
        assert!(a < b && a.to_string() < b.to_string());
    }
}
