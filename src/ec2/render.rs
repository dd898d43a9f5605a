//! Pieces every EC2 answer shares: timestamps as EC2 writes them (ISO 8601 in UTC with
//! milliseconds), `tagSet` lists, booleans, and the `item` lists of the EC2 Query protocol
//! (<https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html>).

use super::state::network::Tags;
use crate::wire::xml::XmlWriter;

/// EC2's namespace for API version 2016-11-15.
pub const XMLNS: &str = "http://ec2.amazonaws.com/doc/2016-11-15/";

/// `2024-01-31T12:00:00.000Z` for seconds since the epoch.
pub fn iso8601(secs: f64) -> String {
    let millis = (secs * 1000.0).floor() as i64;
    let (days, ms_of_day) = (millis.div_euclid(86_400_000), millis.rem_euclid(86_400_000));
    let (y, m, d) = civil_from_days(days);
    let s = ms_of_day / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms_of_day % 1000
    )
}

/// Howard Hinnant's days-to-civil conversion (proleptic Gregorian calendar).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

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
