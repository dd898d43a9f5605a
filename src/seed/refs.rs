//! `${…}` references inside seed entries: `${KIND.NAME}` is the ARN (or id) of an entry applied
//! earlier, `${KIND.NAME.FIELD}` one of its other outputs, `${default.vpc}`, `${default.subnet}`
//! and `${default.subnets}` the default VPC's. A string that is exactly one reference takes the
//! referenced value as it is (`${default.subnets}` is a list); references inside a longer string
//! are replaced by their text.

use serde_json::Value;
use std::collections::HashMap;

/// Every value a reference may name, by its dotted key.
#[derive(Debug, Default)]
pub struct Refs {
    values: HashMap<String, Value>,
}

impl Refs {
    pub fn set(&mut self, key: impl Into<String>, value: Value) {
        self.values.insert(key.into(), value);
    }

    /// `value` with every reference replaced; `Err((field path, message))` for one that names
    /// nothing applied before it.
    pub fn resolve(&self, value: &Value, at: &str) -> Result<Value, (String, String)> {
        Ok(match value {
            Value::String(s) => self.resolve_str(s, at)?,
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.resolve(v, &format!("{at}[{i}]")))
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let path = if at.is_empty() {
                        k.clone()
                    } else {
                        format!("{at}.{k}")
                    };
                    out.insert(k.clone(), self.resolve(v, &path)?);
                }
                Value::Object(out)
            }
            other => other.clone(),
        })
    }

    fn resolve_str(&self, s: &str, at: &str) -> Result<Value, (String, String)> {
        if !s.contains("${") {
            return Ok(Value::String(s.to_string()));
        }
        let whole = s.starts_with("${") && s.ends_with('}') && s.matches("${").count() == 1;
        if whole {
            return self.lookup(&s[2..s.len() - 1], at).cloned();
        }
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(len) = rest[start..].find('}') else {
                return Err((at.to_string(), format!("an unclosed reference in {s:?}")));
            };
            let value = self.lookup(&rest[start + 2..start + len], at)?;
            match value {
                Value::String(text) => out.push_str(text),
                other => out.push_str(&other.to_string()),
            }
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn lookup(&self, key: &str, at: &str) -> Result<&Value, (String, String)> {
        self.values.get(key).ok_or_else(|| {
            (
                at.to_string(),
                format!("${{{key}}} names nothing created before this entry"),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn whole_and_embedded_references() {
        let mut refs = Refs::default();
        refs.set("targetGroups.web", json!("arn:tg"));
        refs.set("default.subnets", json!(["s1", "s2"]));
        let doc = json!({"a": "${targetGroups.web}", "b": "${default.subnets}", "c": "x-${targetGroups.web}-y"});
        assert_eq!(
            refs.resolve(&doc, "").unwrap(),
            json!({"a": "arn:tg", "b": ["s1", "s2"], "c": "x-arn:tg-y"})
        );
    }

    #[test]
    fn an_unknown_reference_names_its_field() {
        let refs = Refs::default();
        let doc = json!({"loadBalancers": [{"targetGroupArn": "${targetGroups.api}"}]});
        let (at, why) = refs.resolve(&doc, "").unwrap_err();
        assert_eq!(at, "loadBalancers[0].targetGroupArn");
        assert!(why.contains("${targetGroups.api}"), "{why}");
    }
}
