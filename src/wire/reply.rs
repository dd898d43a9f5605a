//! A successful answer, serialized once. Operations serialize their typed response straight to
//! JSON bytes (no intermediate tree), borrowing from state where they can; JSON protocols send
//! those bytes as they are, and the CBOR codec re-reads them into a tree (the rare protocol
//! pays, not the common one). Absent members are skipped by the types themselves.

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

    /// `{name: value}`: an answer carrying one resource or one list.
    pub fn member<T: Serialize + ?Sized>(name: &'static str, value: &T) -> Reply {
        Reply::of(&Members {
            first: (name, value),
            second: None::<(&str, &())>,
        })
    }

    /// `{name: items, "nextToken": token}`: a page of a List operation (no token on the last).
    pub fn page<T: Serialize + ?Sized>(
        name: &'static str,
        items: &T,
        token: &Option<String>,
    ) -> Reply {
        Reply::of(&Members {
            first: (name, items),
            second: token.as_ref().map(|t| ("nextToken", t)),
        })
    }

    /// `{name: found, "failures": failures}`: a Describe operation's answer.
    pub fn found<T: Serialize + ?Sized, F: Serialize + ?Sized>(
        name: &'static str,
        found: &T,
        failures: &F,
    ) -> Reply {
        Reply::of(&Members {
            first: (name, found),
            second: Some(("failures", failures)),
        })
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

/// One or two named members, serialized as a JSON object without building a tree.
struct Members<'a, A: ?Sized, B: ?Sized> {
    first: (&'static str, &'a A),
    second: Option<(&'static str, &'a B)>,
}

impl<A: Serialize + ?Sized, B: Serialize + ?Sized> Serialize for Members<'_, A, B> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(self.first.0, self.first.1)?;
        if let Some((name, value)) = self.second {
            map.serialize_entry(name, value)?;
        }
        map.end()
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
    fn typed_answers_skip_absent_members() {
        let typed = Reply::of(&Out {
            cluster_arns: vec!["a"],
            next_token: None,
        });
        assert_eq!(typed.json(), br#"{"clusterArns":["a"]}"#);
        assert_eq!(
            typed.to_value(),
            serde_json::json!({ "clusterArns": ["a"] })
        );
    }

    #[test]
    fn members_pages_and_findings() {
        assert_eq!(Reply::member("tags", &["a"]).json(), br#"{"tags":["a"]}"#);
        assert_eq!(
            Reply::page("taskArns", &["t"], &Some("n".into())).json(),
            br#"{"taskArns":["t"],"nextToken":"n"}"#
        );
        assert_eq!(
            Reply::page("taskArns", &[0u8; 0], &None).json(),
            br#"{"taskArns":[]}"#
        );
        assert_eq!(
            Reply::found("tasks", &[1], &[2]).json(),
            br#"{"tasks":[1],"failures":[2]}"#
        );
    }
}
