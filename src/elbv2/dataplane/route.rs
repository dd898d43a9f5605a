//! Which rule a request takes: ELBv2's condition matching.
//! Pure functions over a [`RequestView`], so the matching rules are tested without sockets.

use super::plan::{ActionPlan, Condition, RulePlan};
use hyper::http::request::Parts;
use hyper::HeaderMap;
use std::net::IpAddr;

/// What rule conditions and redirects read of a request.
#[derive(Debug, Clone, Copy)]
pub(super) struct RequestView<'a> {
    pub method: &'a str,
    /// The Host header (or the absolute URI's authority) without its port.
    pub host: &'a str,
    /// The path as sent (percent-encoded), without the query.
    pub path: &'a str,
    /// The query without its `?` (empty when absent).
    pub query: &'a str,
    pub headers: &'a HeaderMap,
    pub client: IpAddr,
}

impl<'a> RequestView<'a> {
    pub fn new(parts: &'a Parts, client: IpAddr) -> Self {
        let host = parts
            .headers
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("");
        RequestView {
            method: parts.method.as_str(),
            host: host_without_port(host),
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            client,
        }
    }
}

/// The action of the first rule whose conditions all hold (the default rule has none).
pub(super) fn select<'p>(rules: &'p [RulePlan], req: &RequestView) -> Option<&'p ActionPlan> {
    rules
        .iter()
        .find(|rule| rule.conditions.iter().all(|c| matches(c, req)))
        .map(|rule| &rule.action)
}

/// One condition: its values are alternatives.
pub(super) fn matches(condition: &Condition, req: &RequestView) -> bool {
    match condition {
        Condition::HostHeader(patterns) => patterns.iter().any(|p| wildcard(p, req.host, true)),
        Condition::PathPattern(patterns) => patterns.iter().any(|p| wildcard(p, req.path, false)),
        Condition::HttpHeader { name, values } => header_matches(req.headers, name, values),
        Condition::HttpRequestMethod(methods) => methods.iter().any(|m| m == req.method),
        Condition::QueryString(pairs) => query_matches(req.query, pairs),
        Condition::SourceIp(blocks) => blocks
            .iter()
            .any(|&(net, len)| cidr_contains(net, len, req.client)),
    }
}

fn header_matches(headers: &HeaderMap, name: &str, patterns: &[String]) -> bool {
    // `get_all` looks the name up case-insensitively (HeaderName is lowercase).
    let Ok(name) = hyper::header::HeaderName::from_bytes(name.as_bytes()) else {
        return false;
    };
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|value| patterns.iter().any(|p| wildcard(p, value, true)))
}

/// Any query parameter matching any (key, value) pair; a pair without a key matches any key.
fn query_matches(query: &str, pairs: &[(Option<String>, String)]) -> bool {
    query_params(query).iter().any(|(key, value)| {
        pairs.iter().any(|(want_key, want_value)| {
            want_key.as_deref().is_none_or(|k| wildcard(k, key, true))
                && wildcard(want_value, value, true)
        })
    })
}

/// `a=1&b&c=%20` → decoded pairs (a key without `=` has an empty value).
pub(super) fn query_params(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

/// Decodes `%xx` escapes; a malformed escape stays as it is.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// ELBv2's patterns: `*` any run of characters, `?` exactly one. Greedy with backtracking to the
/// last star, linear in practice.
pub(super) fn wildcard(pattern: &str, text: &str, fold_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let same = |a: char, b: char| a == b || (fold_case && a.to_lowercase().eq(b.to_lowercase()));
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || same(p[pi], t[ti])) {
            pi += 1;
            ti += 1;
        } else if let Some((star_p, star_t)) = star {
            // Let the last star swallow one more character and retry from there.
            pi = star_p + 1;
            ti = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// `example.com:8080` → `example.com`, `[::1]:80` → `[::1]`.
pub(super) fn host_without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// Whether `ip` lies in `net/len` (an IPv4-mapped IPv6 client counts as IPv4).
pub(super) fn cidr_contains(net: IpAddr, len: u8, ip: IpAddr) -> bool {
    match (net, ip.to_canonical()) {
        (IpAddr::V4(net), IpAddr::V4(ip)) => {
            prefix_eq(net.to_bits().into(), ip.to_bits().into(), len, 32)
        }
        (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(net.to_bits(), ip.to_bits(), len, 128),
        _ => false,
    }
}

fn prefix_eq(net: u128, ip: u128, len: u8, width: u32) -> bool {
    let len = u32::from(len).min(width);
    if len == 0 {
        return true;
    }
    let shift = width - len;
    (net >> shift) == (ip >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::Request;

    fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
        let mut builder = Request::builder().method(method).uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn view(parts: &Parts) -> RequestView<'_> {
        RequestView::new(parts, "10.0.1.7".parse().unwrap())
    }

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn wildcards_take_star_and_question_mark() {
        assert!(wildcard("*.example.com", "api.example.com", true));
        assert!(wildcard("/img/*", "/img/a/b.png", false));
        assert!(wildcard("/a?c", "/abc", false));
        assert!(!wildcard("/a?c", "/ac", false));
        assert!(wildcard("*a*b*", "xxaxxbxx", false));
        assert!(!wildcard("/API/*", "/api/x", false));
        assert!(wildcard("/API/*", "/api/x", true));
        assert!(wildcard("*", "", false));
        assert!(!wildcard("", "x", false));
    }

    #[test]
    fn host_header_drops_the_port_and_ignores_case() {
        let p = parts("GET", "/", &[("host", "API.Example.com:8080")]);
        let cond = Condition::HostHeader(strings(&["api.example.com"]));
        assert!(matches(&cond, &view(&p)));
        assert_eq!(host_without_port("[::1]:80"), "[::1]");
        assert_eq!(host_without_port("example.com"), "example.com");
    }

    #[test]
    fn path_pattern_ignores_the_query_and_keeps_case() {
        let p = parts("GET", "/Images/cat.png?size=2", &[]);
        assert!(matches(
            &Condition::PathPattern(strings(&["/Images/*.png"])),
            &view(&p)
        ));
        assert!(!matches(
            &Condition::PathPattern(strings(&["/images/*"])),
            &view(&p)
        ));
    }

    #[test]
    fn http_header_any_value_against_any_pattern() {
        let p = parts(
            "GET",
            "/",
            &[
                ("User-Agent", "Mozilla/5.0 (iPhone)"),
                ("x-a", "1"),
                ("x-a", "two"),
            ],
        );
        let ua = Condition::HttpHeader {
            name: "user-agent".into(),
            values: strings(&["*iphone*", "*android*"]),
        };
        assert!(matches(&ua, &view(&p)));
        let multi = Condition::HttpHeader {
            name: "X-A".into(),
            values: strings(&["TWO"]),
        };
        assert!(matches(&multi, &view(&p)));
        let absent = Condition::HttpHeader {
            name: "x-b".into(),
            values: strings(&["*"]),
        };
        assert!(!matches(&absent, &view(&p)));
    }

    #[test]
    fn method_is_exact() {
        let p = parts("POST", "/", &[]);
        assert!(matches(
            &Condition::HttpRequestMethod(strings(&["GET", "POST"])),
            &view(&p)
        ));
        assert!(!matches(
            &Condition::HttpRequestMethod(strings(&["post"])),
            &view(&p)
        ));
    }

    #[test]
    fn query_string_pairs_decode_and_ignore_case() {
        let p = parts("GET", "/?version=V2&name=a%20b", &[]);
        let keyed = Condition::QueryString(vec![(Some("version".into()), "v*".into())]);
        assert!(matches(&keyed, &view(&p)));
        let any_key = Condition::QueryString(vec![(None, "A B".into())]);
        assert!(matches(&any_key, &view(&p)));
        let wrong = Condition::QueryString(vec![(Some("name".into()), "v2".into())]);
        assert!(!matches(&wrong, &view(&p)));
        assert_eq!(percent_decode("%41%zz%"), "A%zz%");
    }

    #[test]
    fn source_ip_within_any_block() {
        let p = parts("GET", "/", &[]);
        let inside = Condition::SourceIp(vec![
            ("192.168.0.0".parse().unwrap(), 16),
            ("10.0.0.0".parse().unwrap(), 8),
        ]);
        assert!(matches(&inside, &view(&p)));
        let outside = Condition::SourceIp(vec![("10.0.2.0".parse().unwrap(), 24)]);
        assert!(!matches(&outside, &view(&p)));
        let mapped: IpAddr = "::ffff:10.0.2.9".parse().unwrap();
        assert!(cidr_contains("10.0.2.0".parse().unwrap(), 24, mapped));
        assert!(cidr_contains(
            "::".parse().unwrap(),
            0,
            "fe80::1".parse().unwrap()
        ));
        assert!(!cidr_contains(
            "fe80::".parse().unwrap(),
            64,
            "fe81::1".parse().unwrap()
        ));
    }

    #[test]
    fn first_matching_rule_wins_and_the_default_catches_the_rest() {
        let fixed = |status| ActionPlan::FixedResponse {
            status,
            content_type: None,
            body: None,
        };
        let rules = vec![
            RulePlan {
                conditions: vec![Condition::PathPattern(strings(&["/a/*"]))],
                action: fixed(201),
            },
            RulePlan {
                conditions: vec![Condition::PathPattern(strings(&["/a/b"]))],
                action: fixed(202),
            },
            RulePlan {
                conditions: vec![],
                action: fixed(404),
            },
        ];
        let status = |uri: &str| match select(&rules, &view(&parts("GET", uri, &[]))) {
            Some(ActionPlan::FixedResponse { status, .. }) => *status,
            _ => 0,
        };
        assert_eq!(status("/a/b"), 201);
        assert_eq!(status("/b"), 404);
    }
}
