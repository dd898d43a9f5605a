//! One seed entry as the request a client would send, answered by the App's edge: the same
//! routing, decoding and validation as over the socket, so a seed can do nothing a client could
//! not and is refused with the words a client would get.

use crate::edge::{handle, HttpRequest};
use crate::App;
use serde_json::{Map, Value};

/// How a service is spoken to.
#[derive(Debug, Clone, Copy)]
pub enum Wire {
    /// AWS JSON 1.1 with this `X-Amz-Target` prefix.
    Json(&'static str),
    /// AWS Query with this API version (lists as `Name.member.N`).
    Query(&'static str),
    /// EC2's Query dialect (lists as `Name.N`).
    Ec2,
}

/// A service endpoint: its signing name and wire.
#[derive(Debug, Clone, Copy)]
pub struct Api {
    pub signing: &'static str,
    pub wire: Wire,
}

pub const ECS: Api = Api {
    signing: "ecs",
    wire: Wire::Json("AmazonEC2ContainerServiceV20141113"),
};
pub const LOGS: Api = Api {
    signing: "logs",
    wire: Wire::Json("Logs_20140328"),
};
pub const SCALING: Api = Api {
    signing: "application-autoscaling",
    wire: Wire::Json("AnyScaleFrontendService"),
};
pub const ELBV2: Api = Api {
    signing: "elasticloadbalancing",
    wire: Wire::Query("2015-12-01"),
};
pub const IAM: Api = Api {
    signing: "iam",
    wire: Wire::Query("2010-05-08"),
};
pub const EC2: Api = Api {
    signing: "ec2",
    wire: Wire::Ec2,
};

/// What a call answered: the JSON document, or the XML text of a Query service.
pub enum Answer {
    Json(Value),
    Xml(String),
}

impl Answer {
    /// The first value of `member` in the answer (JSON: at any depth; XML: the first element).
    pub fn find(&self, member: &str) -> Option<String> {
        match self {
            Answer::Json(v) => find_json(v, member),
            Answer::Xml(x) => xml_element(x, member),
        }
    }
}

/// Sends `operation` with `input` as account/region; the answer, or the service's error as
/// `Code: message`.
pub async fn call(
    app: &App,
    api: Api,
    account: &str,
    region: &str,
    operation: &str,
    input: &Map<String, Value>,
) -> Result<Answer, String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={account}/20260101/{region}/{}/aws4_request, SignedHeaders=host, Signature=0",
        api.signing
    );
    let (content_type, target, body) = match api.wire {
        Wire::Json(prefix) => (
            "application/x-amz-json-1.1",
            Some(format!("{prefix}.{operation}")),
            Value::Object(input.clone()).to_string(),
        ),
        Wire::Query(version) => ("application/x-www-form-urlencoded", None, {
            let mut pairs = vec![("Action".to_string(), operation.to_string())];
            pairs.push(("Version".into(), version.into()));
            flatten(&Value::Object(input.clone()), "", true, &mut pairs);
            encode_form(&pairs)
        }),
        Wire::Ec2 => ("application/x-www-form-urlencoded", None, {
            let mut pairs = vec![("Action".to_string(), operation.to_string())];
            pairs.push(("Version".into(), "2016-11-15".into()));
            flatten(&Value::Object(input.clone()), "", false, &mut pairs);
            encode_form(&pairs)
        }),
    };
    let mut headers = vec![
        ("content-type", content_type.to_string()),
        ("authorization", auth),
        ("host", "local-ecs-seed".to_string()),
    ];
    if let Some(target) = target {
        headers.push(("x-amz-target", target));
    }
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let req = HttpRequest {
        method: "POST".into(),
        path: "/".into(),
        query: String::new(),
        headers: HttpRequest::header_map(&pairs),
        body: body.into(),
        peer: None,
        local: None,
    };
    let resp = handle(app, &req).await;
    let text = String::from_utf8_lossy(&resp.body).to_string();
    let json = matches!(api.wire, Wire::Json(_));
    if resp.status >= 400 {
        return Err(error_words(&text, json));
    }
    Ok(if json {
        Answer::Json(serde_json::from_str(&text).unwrap_or(Value::Null))
    } else {
        Answer::Xml(text)
    })
}

/// `Code: message` from a JSON or XML error body.
fn error_words(body: &str, json: bool) -> String {
    if json {
        let v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
        let code = v["__type"].as_str().unwrap_or("Error");
        let code = code.rsplit('#').next().unwrap_or(code);
        let message = v["message"]
            .as_str()
            .or(v["Message"].as_str())
            .unwrap_or("");
        return format!("{code}: {message}");
    }
    let code = xml_element(body, "Code").unwrap_or_else(|| "Error".into());
    let message = xml_element(body, "Message").unwrap_or_default();
    format!("{code}: {message}")
}

/// Query parameters from a JSON document: structures as `Name.Member`, lists as
/// `Name.member.N` (Query) or `Name.N` (EC2), from 1.
fn flatten(value: &Value, prefix: &str, member: bool, out: &mut Vec<(String, String)>) {
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else {
            format!("{a}.{b}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(v, &join(prefix, k), member, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let at = if member {
                    join(prefix, &format!("member.{}", i + 1))
                } else {
                    join(prefix, &(i + 1).to_string())
                };
                flatten(v, &at, member, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn encode_form(pairs: &[(String, String)]) -> String {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn find_json(v: &Value, member: &str) -> Option<String> {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(s)) = map.get(member) {
                return Some(s.clone());
            }
            map.values().find_map(|v| find_json(v, member))
        }
        Value::Array(items) => items.iter().find_map(|v| find_json(v, member)),
        _ => None,
    }
}

/// The text of the first `<name>…</name>` (entities decoded for the common five).
fn xml_element(xml: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn query_lists_and_structures() {
        let mut out = Vec::new();
        let doc =
            json!({"Name": "web", "Subnets": ["a", "b"], "Tags": [{"Key": "k", "Value": "v"}]});
        flatten(&doc, "", true, &mut out);
        assert!(out.contains(&("Subnets.member.2".into(), "b".into())));
        assert!(out.contains(&("Tags.member.1.Key".into(), "k".into())));
        let mut ec2 = Vec::new();
        flatten(&json!({"SubnetId": ["s"]}), "", false, &mut ec2);
        assert_eq!(ec2, vec![("SubnetId.1".to_string(), "s".to_string())]);
    }

    #[test]
    fn xml_errors_read_as_code_and_message() {
        let body = "<ErrorResponse><Error><Code>ValidationError</Code><Message>a &amp; b</Message></Error></ErrorResponse>";
        assert_eq!(error_words(body, false), "ValidationError: a & b");
    }
}
