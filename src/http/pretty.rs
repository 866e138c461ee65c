//! `pretty=true` output in Atlas's own style: Jackson's DefaultPrettyPrinter (two-space indent,
//! `"key" : value`, arrays inline as `[ "a", "b" ]`, empty containers `[ ]` and `{ }`), as in the Atlas docs'
//! examples and the 401 challenge body.

use serde_json::Value;

pub fn to_pretty_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, 0);
    out
}

/// `nesting` counts enclosing objects only: Jackson's array indenter is inline and does not indent.
fn write_value(out: &mut String, value: &Value, nesting: usize) {
    match value {
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                indent(out, nesting + 1);
                out.push_str(&Value::String(key.clone()).to_string());
                out.push_str(" : ");
                write_value(out, item, nesting + 1);
            }
            out.push('\n');
            indent(out, nesting);
            out.push('}');
        }
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(out, item, nesting);
            }
            out.push_str(" ]");
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn indent(out: &mut String, nesting: usize) {
    out.extend(std::iter::repeat_n("  ", nesting));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn matches_jackson_default_pretty_printer() {
        let value = json!({
            "groupRoleAssignments": [],
            "links": [{"href": "https://cloud.mongodb.com/api/atlas", "rel": "self"}],
            "roles": ["ORG_MEMBER", "ORG_READ_ONLY"],
            "settings": {},
            "status": 200
        });
        let expected = r#"{
  "groupRoleAssignments" : [ ],
  "links" : [ {
    "href" : "https://cloud.mongodb.com/api/atlas",
    "rel" : "self"
  } ],
  "roles" : [ "ORG_MEMBER", "ORG_READ_ONLY" ],
  "settings" : { },
  "status" : 200
}"#;
        assert_eq!(to_pretty_string(&value), expected);
    }

    #[test]
    fn arrays_of_objects_close_on_the_same_line() {
        let value = json!([{"a": 1}, {"b": [2]}]);
        assert_eq!(to_pretty_string(&value), "[ {\n  \"a\" : 1\n}, {\n  \"b\" : [ 2 ]\n} ]");
    }
}
