//! Query answers: a handler's JSON document written as CloudWatch's XML. Lists are `member`
//! elements, the ExtendedStatistics map is `entry`/`key`/`value`, and timestamps (members named
//! `Timestamp` or `Timestamps`, epoch seconds in the document) are ISO 8601.

use crate::core::clock::iso8601;
use crate::wire::xml::XmlWriter;
use serde_json::Value;

pub const XMLNS: &str = "http://monitoring.amazonaws.com/doc/2010-08-01/";

/// The members of `doc` as the inside of an `<OpResult>` element.
pub fn result_xml(doc: &Value) -> String {
    let mut w = XmlWriter::new();
    if let Value::Object(members) = doc {
        for (name, value) in members {
            member(&mut w, name, value, is_time(name));
        }
    }
    w.finish()
}

fn member(w: &mut XmlWriter, name: &str, value: &Value, time: bool) {
    match value {
        Value::Array(items) => {
            w.start(name);
            items
                .iter()
                .for_each(|item| member(w, "member", item, time));
            w.end();
        }
        Value::Object(map) if name == "ExtendedStatistics" => {
            w.start(name);
            for (k, v) in map {
                w.start("entry")
                    .element("key", k)
                    .element("value", &scalar(v, false))
                    .end();
            }
            w.end();
        }
        Value::Object(map) => {
            w.start(name);
            for (k, v) in map {
                member(w, k, v, is_time(k));
            }
            w.end();
        }
        Value::Null => {}
        other => {
            w.element(name, &scalar(other, time));
        }
    }
}

/// Members holding epoch seconds: `Timestamp(s)` and the alarms' `…Timestamp`.
fn is_time(name: &str) -> bool {
    name.starts_with("Timestamp") || name.ends_with("Timestamp")
}

fn scalar(value: &Value, time: bool) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) if time => iso8601(n.as_f64().unwrap_or_default()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_maps_and_timestamps() {
        let xml = result_xml(
            &json!({"Label": "m", "Datapoints": [{"Timestamp": 0, "Sum": 1.5, "ExtendedStatistics": {"p99": 2.0}}]}),
        );
        assert!(xml.contains("<Label>m</Label>"), "{xml}");
        assert!(
            xml.contains("<Timestamp>1970-01-01T00:00:00.000Z</Timestamp>"),
            "{xml}"
        );
        assert!(
            xml.contains("<entry><key>p99</key><value>2.0</value></entry>"),
            "{xml}"
        );
    }
}
