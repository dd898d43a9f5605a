//! XML responses for AWS Query (<https://smithy.io/2.0/aws/protocols/aws-query-protocol.html>)
//! and EC2 Query (<https://smithy.io/2.0/aws/protocols/aws-ec2-query-protocol.html>): a small
//! streaming [`XmlWriter`] and the success and error envelopes of both protocols.
//!
//! Text and attribute values are always escaped; characters XML 1.0 forbids (most C0 controls,
//! U+FFFE, U+FFFF) are replaced by U+FFFD, so any string a user sent can be echoed back safely.

use super::{WireError, WireResponse};
use bytes::Bytes;

const DECLARATION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

/// Builds a document front to back:
///
/// ```
/// # use local_ecs::wire::xml::XmlWriter;
/// let mut w = XmlWriter::new();
/// w.start("Tags").attr("n", "1").element("Key", "a<b").end();
/// assert_eq!(w.finish(), r#"<Tags n="1"><Key>a&lt;b</Key></Tags>"#);
/// ```
///
/// Element and attribute names come from our code, not from requests; still, characters not
/// allowed in names are replaced with `_` rather than trusted.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
    /// Whether the last start tag still awaits its `>` (so `attr` may add to it).
    in_start_tag: bool,
}

impl XmlWriter {
    pub fn new() -> Self {
        Self::default()
    }

    /// A writer whose output begins with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn with_declaration() -> Self {
        XmlWriter {
            out: DECLARATION.to_string(),
            ..Self::default()
        }
    }

    fn close_start_tag(&mut self) {
        if self.in_start_tag {
            self.out.push('>');
            self.in_start_tag = false;
        }
    }

    /// Opens `<name>`.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.close_start_tag();
        let name = sanitize_name(name);
        self.out.push('<');
        self.out.push_str(&name);
        self.open.push(name);
        self.in_start_tag = true;
        self
    }

    /// Adds an attribute to the element just started; ignored once content has been written.
    pub fn attr(&mut self, name: &str, value: &str) -> &mut Self {
        if self.in_start_tag {
            self.out.push(' ');
            self.out.push_str(&sanitize_name(name));
            self.out.push_str("=\"");
            escape_into(&mut self.out, value, true);
            self.out.push('"');
        }
        self
    }

    /// Writes escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.close_start_tag();
        escape_into(&mut self.out, text, false);
        self
    }

    /// Writes markup verbatim: for fragments another `XmlWriter` built.
    pub fn raw(&mut self, xml: &str) -> &mut Self {
        self.close_start_tag();
        self.out.push_str(xml);
        self
    }

    /// Closes the innermost open element (no-op when none is open).
    pub fn end(&mut self) -> &mut Self {
        self.close_start_tag();
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
        self
    }

    /// `<name>text</name>`.
    pub fn element(&mut self, name: &str, text: &str) -> &mut Self {
        self.start(name).text(text).end()
    }

    /// `<name>text</name>` when there is a value, nothing otherwise.
    pub fn optional(&mut self, name: &str, text: Option<&str>) -> &mut Self {
        if let Some(text) = text {
            self.element(name, text);
        }
        self
    }

    /// Closes whatever is still open and returns the document.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.end();
        }
        self.close_start_tag();
        self.out
    }
}

/// Escapes text for element content (`attribute = false`) or a double- or single-quoted
/// attribute value (`attribute = true`).
pub fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, attribute);
    out
}

fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Parsers turn CR (and in attributes also TAB and LF) into other whitespace;
            // character references keep them as sent.
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' | '\n' => out.push(c),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            _ => out.push(c),
        }
    }
}

fn sanitize_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == ':') {
        out.insert(0, '_');
    }
    out
}

fn xml_response(status: u16, body: String) -> WireResponse {
    WireResponse {
        status,
        headers: vec![("content-type", "text/xml".into())],
        body: Bytes::from(body),
    }
}

/// The Query error envelope without an `xmlns`; see [`encode_query_error_ns`].
pub fn encode_query_error(err: &WireError, request_id: &str) -> WireResponse {
    encode_query_error_ns(err, request_id, None)
}

/// `<ErrorResponse xmlns=".."><Error><Type>Sender|Receiver</Type><Code>..</Code>
/// <Message>..</Message></Error><RequestId>..</RequestId></ErrorResponse>`, where `xmlns` is the
/// service's namespace (e.g. `http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/`).
pub fn encode_query_error_ns(
    err: &WireError,
    request_id: &str,
    xmlns: Option<&str>,
) -> WireResponse {
    let mut w = XmlWriter::new();
    w.start("ErrorResponse");
    if let Some(ns) = xmlns.filter(|ns| !ns.is_empty()) {
        w.attr("xmlns", ns);
    }
    w.start("Error")
        .element(
            "Type",
            if err.is_sender_fault() {
                "Sender"
            } else {
                "Receiver"
            },
        )
        .element("Code", &err.code)
        .element("Message", &err.message)
        .end()
        .element("RequestId", request_id);
    xml_response(err.status, w.finish())
}

/// `<?xml ..?><Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
/// <RequestID>..</RequestID></Response>`: EC2's envelope (note `RequestID`, and no namespace).
pub fn encode_ec2_error(err: &WireError, request_id: &str) -> WireResponse {
    let mut w = XmlWriter::with_declaration();
    w.start("Response")
        .start("Errors")
        .start("Error")
        .element("Code", &err.code)
        .element("Message", &err.message)
        .end()
        .end()
        .element("RequestID", request_id);
    xml_response(err.status, w.finish())
}

/// The Query success envelope: `<{Action}Response xmlns=".."><{Action}Result>{result_xml}
/// </{Action}Result><ResponseMetadata><RequestId>..</RequestId></ResponseMetadata>
/// </{Action}Response>`. `result_xml` is inserted verbatim (build it with an [`XmlWriter`]);
/// `None` leaves out the `Result` element, as operations without output do.
pub fn encode_query_ok(
    action: &str,
    xmlns: Option<&str>,
    result_xml: Option<&str>,
    request_id: &str,
) -> WireResponse {
    let mut w = XmlWriter::new();
    w.start(&format!("{action}Response"));
    if let Some(ns) = xmlns.filter(|ns| !ns.is_empty()) {
        w.attr("xmlns", ns);
    }
    if let Some(result) = result_xml {
        w.start(&format!("{action}Result")).raw(result).end();
    }
    w.start("ResponseMetadata")
        .element("RequestId", request_id)
        .end();
    xml_response(200, w.finish())
}

/// The EC2 success envelope: `<?xml ..?><{Action}Response xmlns=".."><requestId>..</requestId>
/// {body_xml}</{Action}Response>` (EC2 has no `Result` wrapper and lower-camel member names).
pub fn encode_ec2_ok(
    action: &str,
    xmlns: Option<&str>,
    body_xml: &str,
    request_id: &str,
) -> WireResponse {
    let mut w = XmlWriter::with_declaration();
    w.start(&format!("{action}Response"));
    if let Some(ns) = xmlns.filter(|ns| !ns.is_empty()) {
        w.attr("xmlns", ns);
    }
    w.element("requestId", request_id).raw(body_xml);
    xml_response(200, w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal well-formedness check: tags balance, and every `&` starts a known reference.
    fn well_formed(xml: &str) -> bool {
        let body = xml.strip_prefix(DECLARATION).unwrap_or(xml);
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = body;
        let mut roots = 0;
        while let Some(lt) = rest.find('<') {
            let text = &rest[..lt];
            if !text_ok(text) || (stack.is_empty() && !text.is_empty()) {
                return false;
            }
            let Some(gt) = rest[lt..].find('>') else {
                return false;
            };
            let tag = &rest[lt + 1..lt + gt];
            if let Some(name) = tag.strip_prefix('/') {
                if stack.pop() != Some(name) {
                    return false;
                }
            } else {
                let name = tag.split(' ').next().unwrap_or("");
                if stack.is_empty() {
                    roots += 1;
                }
                let attrs = &tag[name.len()..];
                if attrs.matches('"').count() % 2 != 0 || attrs.contains('<') || !text_ok(attrs) {
                    return false;
                }
                if !tag.ends_with('/') {
                    stack.push(name);
                }
            }
            rest = &rest[lt + gt + 1..];
        }
        stack.is_empty() && rest.is_empty() && roots == 1
    }

    fn text_ok(text: &str) -> bool {
        !text.contains('>')
            && text.split('&').skip(1).all(|r| {
                [
                    "amp;", "lt;", "gt;", "quot;", "apos;", "#9;", "#10;", "#13;",
                ]
                .iter()
                .any(|e| r.starts_with(e))
            })
            && !text.chars().any(|c| {
                (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{fffe}' || c == '\u{ffff}'
            })
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape(r#"a&b<c>d"e'f"#, false),
            "a&amp;b&lt;c&gt;d&quot;e&apos;f"
        );
        assert_eq!(
            escape("x\u{0}y\u{1b}z\u{fffe}", false),
            "x\u{fffd}y\u{fffd}z\u{fffd}"
        );
        assert_eq!(escape("l1\nl2\tt\r", false), "l1\nl2\tt&#13;");
        assert_eq!(escape("l1\nl2\t", true), "l1&#10;l2&#9;");
        assert_eq!(escape("ünï 水 \u{10151}", false), "ünï 水 \u{10151}");
        let mut w = XmlWriter::new();
        w.start("A")
            .attr("k", "v\"<&>'")
            .text("</A><B>&amp;")
            .element("C", "]]>")
            .end();
        let out = w.finish();
        assert_eq!(
            out,
            r#"<A k="v&quot;&lt;&amp;&gt;&apos;">&lt;/A&gt;&lt;B&gt;&amp;amp;<C>]]&gt;</C></A>"#
        );
        assert!(well_formed(&out), "{out}");
    }

    #[test]
    fn writer() {
        let mut w = XmlWriter::new();
        w.start("Root")
            .start("Empty")
            .end()
            .optional("None", None)
            .optional("Some", Some("1"))
            .start("Open")
            .text("x");
        let out = w.finish();
        assert_eq!(
            out,
            "<Root><Empty></Empty><Some>1</Some><Open>x</Open></Root>"
        );
        assert!(well_formed(&out));
        let mut w = XmlWriter::new();
        w.start("A").text("t").attr("late", "ignored").end().end();
        assert_eq!(w.finish(), "<A>t</A>");
        let mut w = XmlWriter::new();
        w.element("bad name<>", "v");
        assert_eq!(w.finish(), "<bad_name__>v</bad_name__>");
        assert_eq!(sanitize_name("1x"), "_1x");
        assert!(XmlWriter::with_declaration().finish().starts_with("<?xml"));
    }

    #[test]
    fn query_error_envelope() {
        let err = WireError::new(
            "LoadBalancerNotFound",
            400,
            "One or more load balancers not found & <gone>",
        );
        let r = encode_query_error(&err, "req-1");
        let body = std::str::from_utf8(&r.body).unwrap();
        assert_eq!(
            (r.status, r.headers[0].clone()),
            (400, ("content-type", "text/xml".to_string()))
        );
        assert_eq!(
            body,
            "<ErrorResponse><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found &amp; &lt;gone&gt;</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
        );
        assert!(well_formed(body));
        let r = encode_query_error_ns(
            &WireError::new("InternalFailure", 500, "boom"),
            "r",
            Some("http://monitoring.amazonaws.com/doc/2010-08-01/"),
        );
        let body = std::str::from_utf8(&r.body).unwrap();
        assert!(body.starts_with(r#"<ErrorResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/"><Error><Type>Receiver</Type>"#), "{body}");
        assert_eq!(r.status, 500);
        assert!(well_formed(body));
    }

    #[test]
    fn ec2_error_envelope() {
        let r = encode_ec2_error(
            &WireError::new(
                "InvalidInstanceID.NotFound",
                400,
                "The instance ID 'i-1' does not exist",
            ),
            "req-2",
        );
        let body = std::str::from_utf8(&r.body).unwrap();
        assert_eq!(
            body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID &apos;i-1&apos; does not exist</Message></Error></Errors><RequestID>req-2</RequestID></Response>"
        );
        assert!(well_formed(body));
        assert_eq!(r.status, 400);
    }

    #[test]
    fn success_envelopes() {
        let mut result = XmlWriter::new();
        result
            .start("LoadBalancers")
            .start("member")
            .element("LoadBalancerName", "lb&1")
            .end()
            .end();
        let ns = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
        let r = encode_query_ok(
            "DescribeLoadBalancers",
            Some(ns),
            Some(&result.finish()),
            "req-3",
        );
        let body = std::str::from_utf8(&r.body).unwrap();
        assert_eq!(
            body,
            format!("<DescribeLoadBalancersResponse xmlns=\"{ns}\"><DescribeLoadBalancersResult><LoadBalancers><member><LoadBalancerName>lb&amp;1</LoadBalancerName></member></LoadBalancers></DescribeLoadBalancersResult><ResponseMetadata><RequestId>req-3</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>")
        );
        assert!(well_formed(body));
        assert_eq!(r.status, 200);
        let r = encode_query_ok("PutMetricData", None, None, "req-4");
        assert_eq!(&r.body[..], b"<PutMetricDataResponse><ResponseMetadata><RequestId>req-4</RequestId></ResponseMetadata></PutMetricDataResponse>");
        let r = encode_ec2_ok(
            "DescribeInstances",
            Some("http://ec2.amazonaws.com/doc/2016-11-15/"),
            "<reservationSet></reservationSet>",
            "req-5",
        );
        let body = std::str::from_utf8(&r.body).unwrap();
        assert_eq!(body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-5</requestId><reservationSet></reservationSet></DescribeInstancesResponse>");
        assert!(well_formed(body));
    }
}
