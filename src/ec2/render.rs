//! Pieces every EC2 answer shares: timestamps as EC2 writes them (ISO 8601 in UTC with
//! milliseconds), `tagSet` lists, booleans, and the `item` lists of the EC2 Query protocol
//! (<https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html>).

use super::state::network::Tags;
use crate::wire::xml::XmlWriter;

/// EC2's namespace for API version 2016-11-15.
pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

pub use crate::core::clock::iso8601;

pub fn flag(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `<tagSet><item><key>..</key><value>..</value></item>…</tagSet>` (`name` is the list's
/// element: `tagSet` nearly everywhere).
pub fn tag_set(w: &mut XmlWriter, name: &str, tags: &Tags) {
    w.start(name);
    for (k, v) in tags {
        w.start("item").element("key", k).element("value", v).end();
    }
    w.end();
}

/// `<name><item>text</item>…</name>`.
pub fn string_items(w: &mut XmlWriter, name: &str, items: &[String]) {
    w.start(name);
    for item in items {
        w.element("item", item);
    }
    w.end();
}

/// `<return>true</return>`: what EC2 answers operations without other output.
pub fn ok_return() -> String {
    let mut w = XmlWriter::new();
    w.element("return", "true");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_706_702_400.25), "2024-01-31T12:00:00.250Z");
        assert_eq!(iso8601(951_782_400.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn tag_sets() {
        let mut w = XmlWriter::new();
        tag_set(&mut w, "tagSet", &Tags::from([("a".into(), "<1>".into())]));
        assert_eq!(
            w.finish(),
            "<tagSet><item><key>a</key><value>&lt;1&gt;</value></item></tagSet>"
        );
    }
}
