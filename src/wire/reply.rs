//! A successful answer, serialized once. Operations serialize their typed response straight to
//! JSON bytes (no intermediate tree); JSON protocols send those bytes as they are, and the CBOR
//! codec re-reads them into a tree (the rare protocol pays, not the common one).

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Reply(Vec<u8>);

impl Reply {
    /// Serializes `body` (absent members must be skipped by its type, as AWS omits them).
    pub fn of<T: Serialize + ?Sized>(body: &T) -> Reply {
        Reply(serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec()))
    }

    /// The answer with no members.
    pub fn empty() -> Reply {
        Reply(b"{}".to_vec())
    }

    pub fn json(&self) -> &[u8] {
        &self.0
    }

    pub fn into_json(self) -> Vec<u8> {
        self.0
    }

    /// The answer as a tree (for codecs other than JSON).
    pub fn to_value(&self) -> Value {
        serde_json::from_slice(&self.0).unwrap_or(Value::Object(Default::default()))
    }
}

/// An answer built as a tree: `null` members are dropped (AWS omits absent members).
impl From<Value> for Reply {
    fn from(mut value: Value) -> Reply {
        strip_nulls(&mut value);
        Reply::of(&value)
    }
}

fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, m| !m.is_null());
            map.values_mut().for_each(strip_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Out {
        cluster_arns: Vec<&'static str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_token: Option<String>,
    }

    #[test]
    fn typed_and_tree_answers_serialize_alike() {
        let typed = Reply::of(&Out {
            cluster_arns: vec!["a"],
            next_token: None,
        });
        let tree = Reply::from(serde_json::json!({ "clusterArns": ["a"], "nextToken": null }));
        assert_eq!(typed.json(), br#"{"clusterArns":["a"]}"#);
        assert_eq!(typed, tree);
        assert_eq!(
            typed.to_value(),
            serde_json::json!({ "clusterArns": ["a"] })
        );
    }

    #[test]
    fn nested_nulls_are_dropped_from_trees() {
        let tree = Reply::from(serde_json::json!({ "a": [{ "b": null, "c": 1 }], "d": null }));
        assert_eq!(tree.json(), br#"{"a":[{"c":1}]}"#);
    }
}
