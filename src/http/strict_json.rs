//! JSON request bodies read as serde_json does, except that an object naming one key twice is refused:
//! serde_json keeps the last value silently, so `{"roles":["ORG_MEMBER"],"roles":["ORG_OWNER"]}` would mean
//! whatever the parser chose. RFC 8259 §4 leaves duplicate names' meaning unpredictable; here they are a 400.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a body is not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum StrictJsonError {
    Malformed,
    DuplicateKey(String),
}

pub fn parse(body: &[u8]) -> Result<Value, StrictJsonError> {
    match serde_json::from_slice::<UniqueKeys>(body) {
        Ok(UniqueKeys(value)) => Ok(value),
        Err(err) => match err.to_string().strip_prefix(DUPLICATE) {
            Some(rest) => {
                Err(StrictJsonError::DuplicateKey(rest.split(" at line ").next().unwrap_or(rest).to_string()))
            }
            None => Err(StrictJsonError::Malformed),
        },
    }
}

const DUPLICATE: &str = "duplicate key: ";

struct UniqueKeys(Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> Visitor<'de> for UniqueKeysVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(UniqueKeys(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let UniqueKeys(value) = map.next_value()?;
            if fields.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE}{key}")));
            }
            fields.insert(key, value);
        }
        Ok(Value::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth_and_the_rest_reads_as_serde_json_does() {
        assert_eq!(parse(br#"{"roles":["A"],"roles":["B"]}"#), Err(StrictJsonError::DuplicateKey("roles".into())));
        assert_eq!(
            parse(br#"{"roles":{"orgRoles":[],"orgRoles":[]}}"#),
            Err(StrictJsonError::DuplicateKey("orgRoles".into()))
        );
        assert_eq!(parse(br#"[{"id":"a"},{"id":"a"}]"#).unwrap(), serde_json::json!([{"id":"a"},{"id":"a"}]));
        let text = r#"{"a":[1,-2,3.5,true,null,"x"],"b":{"c":{}}}"#;
        assert_eq!(parse(text.as_bytes()).unwrap(), serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(parse(b"{"), Err(StrictJsonError::Malformed));
        assert_eq!(parse(b"{} trailing"), Err(StrictJsonError::Malformed));
    }
}
