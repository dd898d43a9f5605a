//! AWS Query: <https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>, and its EC2
//! flavour (<https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html>).
//!
//! Requests are `application/x-www-form-urlencoded` pairs whose keys flatten a structure with
//! dots. [`parse_form`] reads the pairs; [`to_document`] rebuilds a nested document without a
//! model, so scalars stay strings and a later model-driven step converts their types.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Keys are split into at most this many dot-separated segments (the last keeps any further
/// dots), which bounds the recursion a hostile key could cause.
pub const MAX_KEY_SEGMENTS: usize = 32;

/// Parses `application/x-www-form-urlencoded` text (a body or a query string) into its pairs.
///
/// `+` is a space; `%XX` is a byte; a `%` not followed by two hex digits is kept literally;
/// byte sequences that are not UTF-8 become U+FFFD. A pair without `=` has an empty value;
/// pairs with an empty key are skipped. When a key repeats, the later value wins.
pub fn parse_form(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Decodes one form component (`+` and `%XX`, lenient about malformed escapes).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).and_then(hex),
                bytes.get(i + 2).and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push((hi << 4) | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Encodes text as RFC 3986 does for a component: every byte but the unreserved
/// `A-Z a-z 0-9 - _ . ~` becomes `%XX` (IAM answers policy documents this way).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn hex(b: &u8) -> Option<u8> {
    (*b as char).to_digit(16).map(|d| d as u8)
}

/// Rebuilds the nested document the flattened Query keys describe. `Action` and `Version` are
/// left out (they address the operation, not its input). Heuristics, in order, for a key
/// prefix that has sub-keys:
///
/// 1. only `member` under it, `member` having only numeric sub-keys: a list
///    (`Names.member.1=a` → `{"Names": ["a"]}`);
/// 2. only `entry` under it, each numbered entry having a scalar `key` (or `Key`/`Name`): a map
///    from those keys to the converted `value` (or `Value`)
///    (`Attributes.entry.1.key=k&Attributes.entry.1.value=v` → `{"Attributes": {"k": "v"}}`);
/// 3. only numeric sub-keys: a list, the EC2 and flattened style
///    (`InstanceId.1=i-1` → `{"InstanceId": ["i-1"]}`);
/// 4. otherwise a structure of its sub-keys.
///
/// List items are ordered by their numeric index (gaps close up). A key that has both a value
/// and sub-keys (`A=1&A.B=2`) keeps the sub-keys. An empty list, which Query sends as `Names=`,
/// comes out as the string `""`; only a model can tell it from an empty string.
pub fn to_document(params: &BTreeMap<String, String>) -> Map<String, Value> {
    let mut root = Node::default();
    for (key, value) in params {
        if key == "Action" || key == "Version" {
            continue;
        }
        let mut node = &mut root;
        for segment in key.splitn(MAX_KEY_SEGMENTS, '.') {
            node = node.children.entry(segment.to_string()).or_default();
        }
        node.value = Some(value.clone());
    }
    root.children
        .into_iter()
        .map(|(k, node)| (k, node.into_value()))
        .collect()
}

#[derive(Default)]
struct Node {
    value: Option<String>,
    children: BTreeMap<String, Node>,
}

fn is_index(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit())
}

/// Orders decimal indices numerically without parsing, so no index is too large to sort.
fn index_order(key: &str) -> (usize, &str, &str) {
    let digits = key.trim_start_matches('0');
    (digits.len(), digits, key)
}

impl Node {
    fn into_value(self) -> Value {
        if self.children.is_empty() {
            return Value::String(self.value.unwrap_or_default());
        }
        let only = |name: &str, children: &BTreeMap<String, Node>| {
            children.len() == 1 && children.get(name).is_some_and(|n| n.is_indexed())
        };
        let mut children = self.children;
        if only("member", &children) {
            if let Some(member) = children.remove("member") {
                return Value::Array(member.indexed().map(Node::into_value).collect());
            }
        }
        if only("entry", &children) {
            if let Some(entry) = children.remove("entry") {
                return match entry.into_map() {
                    Ok(map) => Value::Object(map),
                    Err(entry) => {
                        Value::Object(Map::from_iter([("entry".to_string(), entry.into_value())]))
                    }
                };
            }
        }
        let node = Node {
            value: None,
            children,
        };
        if node.is_indexed() {
            return Value::Array(node.indexed().map(Node::into_value).collect());
        }
        Value::Object(
            node.children
                .into_iter()
                .map(|(k, n)| (k, n.into_value()))
                .collect(),
        )
    }

    fn is_indexed(&self) -> bool {
        !self.children.is_empty() && self.children.keys().all(|k| is_index(k))
    }

    /// The children in numeric order (ties, like `1` and `01`, by text).
    fn indexed(self) -> impl Iterator<Item = Node> {
        let mut items: Vec<(String, Node)> = self.children.into_iter().collect();
        items.sort_by(|a, b| index_order(&a.0).cmp(&index_order(&b.0)));
        items.into_iter().map(|(_, n)| n)
    }

    /// `entry.N.key` / `entry.N.value` pairs as a map, or the node back if they are not that.
    fn into_map(self) -> Result<Map<String, Value>, Node> {
        let is_entry = |n: &Node| {
            n.children
                .keys()
                .all(|k| KEY_NAMES.contains(&k.as_str()) || VALUE_NAMES.contains(&k.as_str()))
                && KEY_NAMES
                    .iter()
                    .filter_map(|k| n.children.get(*k))
                    .any(|k| k.children.is_empty())
        };
        if !self.children.values().all(is_entry) {
            return Err(self);
        }
        let mut map = Map::new();
        for mut entry in self.indexed() {
            let key = KEY_NAMES
                .iter()
                .find_map(|k| entry.children.remove(*k))
                .and_then(|k| k.value)
                .unwrap_or_default();
            let value = VALUE_NAMES.iter().find_map(|k| entry.children.remove(*k));
            map.insert(
                key,
                value.map_or(Value::String(String::new()), Node::into_value),
            );
        }
        Ok(map)
    }
}

const KEY_NAMES: [&str; 3] = ["key", "Key", "Name"];
const VALUE_NAMES: [&str; 2] = ["value", "Value"];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(form: &str) -> Value {
        Value::Object(to_document(&parse_form(form)))
    }

    #[test]
    fn form_decoding() {
        let f = parse_form("Action=DescribeThings&Name=a+b%20c&Pct=100%25&Bad=%zz%4&Trail=%&Utf=%C3%BC&Raw=ü&Flag&=x&&Dup=1&Dup=2");
        assert_eq!(f["Action"], "DescribeThings");
        assert_eq!(f["Name"], "a b c");
        assert_eq!(f["Pct"], "100%");
        assert_eq!(f["Bad"], "%zz%4");
        assert_eq!(f["Trail"], "%");
        assert_eq!(f["Utf"], "\u{fc}");
        assert_eq!(f["Raw"], "\u{fc}");
        assert_eq!(f["Flag"], "");
        assert_eq!(f["Dup"], "2");
        assert!(!f.contains_key(""));
        assert_eq!(parse_form("a%3Db=c%26d%2Be")["a=b"], "c&d+e");
        assert_eq!(parse_form("x=%FF%FE")["x"], "\u{fffd}\u{fffd}");
        assert_eq!(
            parse_form("X-Amz-Credential=AKID%2F20240101%2Fus-east-1%2Fec2%2Faws4_request")
                ["X-Amz-Credential"],
            "AKID/20240101/us-east-1/ec2/aws4_request"
        );
        assert!(parse_form("").is_empty());
        // Multi-byte text around '%' must not split a char.
        assert_eq!(parse_form("k=%é%")["k"], "%é%");
    }

    #[test]
    fn member_lists_and_structures() {
        assert_eq!(
            doc("Action=X&Version=1&Names.member.1=a&Names.member.2=b"),
            json!({"Names": ["a", "b"]})
        );
        assert_eq!(
            doc("Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2&Tags.member.2.Value=v2"),
            json!({"Tags": [{"Key": "k", "Value": "v"}, {"Key": "k2", "Value": "v2"}]})
        );
        // Numeric, not lexical, order.
        let form: String = (1..=12).map(|i| format!("L.member.{i}=v{i}&")).collect();
        assert_eq!(
            doc(&form)["L"],
            Value::Array((1..=12).map(|i| json!(format!("v{i}"))).collect())
        );
        assert_eq!(
            doc("Listener.Protocol=HTTP&Listener.Port=80&Listener.Actions.member.1.Type=forward&Name=lb"),
            json!({"Listener": {"Protocol": "HTTP", "Port": "80", "Actions": [{"Type": "forward"}]}, "Name": "lb"})
        );
        assert_eq!(
            doc("Outer.member.1.Inner.member.1=x&Outer.member.1.Inner.member.2=y"),
            json!({"Outer": [{"Inner": ["x", "y"]}]})
        );
        assert_eq!(doc("Names="), json!({"Names": ""}));
        assert_eq!(doc("A=1&A.B=2"), json!({"A": {"B": "2"}}));
        // A structure that happens to have a member called "member" alongside others.
        assert_eq!(
            doc("S.member=1&S.other=2"),
            json!({"S": {"member": "1", "other": "2"}})
        );
    }

    #[test]
    fn maps() {
        assert_eq!(doc("Attributes.entry.1.key=k&Attributes.entry.1.value=v&Attributes.entry.2.key=k2&Attributes.entry.2.value=v2"), json!({"Attributes": {"k": "v", "k2": "v2"}}));
        assert_eq!(
            doc("M.entry.1.key=k&M.entry.1.value.member.1=a"),
            json!({"M": {"k": ["a"]}})
        );
        assert_eq!(
            doc("M.entry.1.Key=k&M.entry.1.Value=v"),
            json!({"M": {"k": "v"}})
        );
        // Not key/value pairs: kept as a list under "entry".
        assert_eq!(
            doc("M.entry.1.foo=x"),
            json!({"M": {"entry": [{"foo": "x"}]}})
        );
    }

    #[test]
    fn ec2_lists() {
        assert_eq!(
            doc("Action=DescribeInstances&InstanceId.1=i-1&InstanceId.2=i-2"),
            json!({"InstanceId": ["i-1", "i-2"]})
        );
        assert_eq!(
            doc("Filter.1.Name=x&Filter.1.Value.1=y&Filter.2.Name=z&Filter.2.Value.1=a&Filter.2.Value.2=b"),
            json!({"Filter": [{"Name": "x", "Value": ["y"]}, {"Name": "z", "Value": ["a", "b"]}]})
        );
        assert_eq!(doc("TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v"), json!({"TagSpecification": [{"ResourceType": "instance", "Tag": [{"Key": "k", "Value": "v"}]}]}));
    }

    #[test]
    fn hostile_keys() {
        let deep = format!("{}=x", "a.".repeat(100_000));
        let d = to_document(&parse_form(&deep));
        assert_eq!(d.len(), 1);
        let huge_index = doc("L.99999999999999999999999=a&L.1=b");
        assert_eq!(huge_index["L"], json!(["b", "a"]));
        assert_eq!(doc("..=x&.a=y"), json!({"": {"": {"": "x"}, "a": "y"}}));
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            let text: String = (0..(state % 40))
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    b"a.1%=&+member.entry.key.value"[(state % 29) as usize] as char
                })
                .collect();
            let _ = to_document(&parse_form(&text));
        }
    }
}
