//! Reading rule conditions in both forms ELBv2 takes them: the legacy `Values` and the
//! `…Config` structures, for host-header, path-pattern, http-header, http-request-method,
//! query-string and source-ip.

use crate::elbv2::state::model::RuleCondition;
use crate::elbv2::{ElbError, ElbResult};
use crate::wire::input::Input;
use std::net::IpAddr;

const FIELDS: &[(&str, &str)] = &[
    ("host-header", "HostHeaderConfig"),
    ("path-pattern", "PathPatternConfig"),
    ("http-header", "HttpHeaderConfig"),
    ("http-request-method", "HttpRequestMethodConfig"),
    ("query-string", "QueryStringConfig"),
    ("source-ip", "SourceIpConfig"),
];

pub fn read(input: &Input) -> ElbResult<Vec<RuleCondition>> {
    input.objects("Conditions").iter().map(condition).collect()
}

fn condition(c: &Input) -> ElbResult<RuleCondition> {
    let field = c.required_str("Field")?.to_string();
    let Some((_, config_name)) = FIELDS.iter().find(|(f, _)| *f == field) else {
        return Err(ElbError::validation(format!(
            "Condition field '{field}' is not valid"
        )));
    };
    let config = c.object(config_name);
    let mut values = c.strings("Values");
    if let Some(cfg) = &config {
        if field != "query-string" {
            values.extend(cfg.strings("Values"));
        }
    }
    let mut out = RuleCondition {
        field: field.clone(),
        values,
        header_name: None,
        query: Vec::new(),
    };
    match field.as_str() {
        "http-header" => {
            out.header_name = config.as_ref().and_then(|c| c.string("HttpHeaderName"));
            if out.header_name.is_none() {
                return Err(ElbError::missing("HttpHeaderName"));
            }
        }
        "query-string" => {
            for kv in config
                .as_ref()
                .map(|c| c.objects("Values"))
                .unwrap_or_default()
            {
                let value = kv
                    .string("Value")
                    .ok_or_else(|| ElbError::missing("Value"))?;
                out.query.push((kv.string("Key"), value));
            }
        }
        "source-ip" => {
            for v in &out.values {
                parse_cidr(v)?;
            }
        }
        "http-request-method" => {
            if let Some(bad) = out.values.iter().find(|m| {
                m.is_empty()
                    || m.len() > 40
                    || !m
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-')
            }) {
                return Err(ElbError::validation(format!(
                    "HTTP request method '{bad}' is not valid"
                )));
            }
        }
        _ => {}
    }
    if out.values.is_empty() && out.query.is_empty() {
        return Err(ElbError::validation(format!(
            "A condition '{field}' must have at least one value"
        )));
    }
    if let Some(long) = out.values.iter().find(|v| v.len() > 128) {
        return Err(ElbError::validation(format!(
            "Condition value '{long}' is longer than 128 characters"
        )));
    }
    Ok(out)
}

/// `10.0.0.0/8` → (address, prefix length).
pub fn parse_cidr(text: &str) -> ElbResult<(IpAddr, u8)> {
    let bad = || ElbError::validation(format!("The source IP '{text}' is not a valid CIDR block"));
    let (addr, len) = text.split_once('/').ok_or_else(bad)?;
    let addr: IpAddr = addr.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(bad());
    }
    Ok((addr, len))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::query::{parse_form, to_document};

    fn conditions(form: &str) -> ElbResult<Vec<RuleCondition>> {
        read(&Input::new(to_document(&parse_form(form))))
    }

    #[test]
    fn both_forms_and_every_field() {
        let c = conditions("Conditions.member.1.Field=path-pattern&Conditions.member.1.Values.member.1=/a/*&Conditions.member.2.Field=host-header&Conditions.member.2.HostHeaderConfig.Values.member.1=x.example.com").unwrap();
        assert_eq!(c[0].values, ["/a/*"]);
        assert_eq!(c[1].values, ["x.example.com"]);
        let q = conditions("Conditions.member.1.Field=query-string&Conditions.member.1.QueryStringConfig.Values.member.1.Key=v&Conditions.member.1.QueryStringConfig.Values.member.1.Value=2").unwrap();
        assert_eq!(q[0].query, [(Some("v".to_string()), "2".to_string())]);
        let h = conditions("Conditions.member.1.Field=http-header&Conditions.member.1.HttpHeaderConfig.HttpHeaderName=X-Env&Conditions.member.1.HttpHeaderConfig.Values.member.1=a").unwrap();
        assert_eq!(h[0].header_name.as_deref(), Some("X-Env"));
        assert!(conditions("Conditions.member.1.Field=source-ip&Conditions.member.1.SourceIpConfig.Values.member.1=10.0.0.0/33").is_err());
        assert!(conditions(
            "Conditions.member.1.Field=cookie&Conditions.member.1.Values.member.1=a"
        )
        .is_err());
        assert!(conditions("Conditions.member.1.Field=path-pattern").is_err());
    }
}
