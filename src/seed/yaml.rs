//! YAML documents as JSON values: the seed is read as JSON whatever its syntax, so one code path
//! checks and applies it. `yaml-rust2` parses (YAML 1.2, maintained); this maps its tree.

use serde_json::{Map, Number, Value};
use yaml_rust2::{Yaml, YamlLoader};

/// The first document of `text`, as JSON; the parser's message (with line and column) if it is
/// not YAML, or says which key is not a string.
pub fn parse(text: &str) -> Result<Value, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    match docs.into_iter().next() {
        Some(doc) => to_json(doc, ""),
        None => Ok(Value::Object(Map::new())),
    }
}

fn to_json(yaml: Yaml, at: &str) -> Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Boolean(b) => Value::Bool(b),
        Yaml::Integer(i) => Value::from(i),
        Yaml::Real(text) => text
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("{at}: {text} is not a finite number"))?,
        Yaml::String(s) => Value::String(s),
        Yaml::Array(items) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, y)| to_json(y, &format!("{at}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Yaml::Hash(hash) => {
            let mut out = Map::new();
            for (k, v) in hash {
                let key = match k {
                    Yaml::String(s) => s,
                    Yaml::Integer(i) => i.to_string(),
                    Yaml::Boolean(b) => b.to_string(),
                    other => return Err(format!("{at}: a key that is not a string ({other:?})")),
                };
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                let value = to_json(v, &path)?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Yaml::Alias(_) | Yaml::BadValue => {
            return Err(format!("{at}: an alias or value that cannot be read"))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_maps_to_the_same_json() {
        let doc =
            "clusters:\n  - clusterName: web\n    n: 2\n    r: 0.5\n    on: true\n    none: ~\n";
        assert_eq!(
            parse(doc).unwrap(),
            json!({"clusters": [{"clusterName": "web", "n": 2, "r": 0.5, "on": true, "none": null}]})
        );
    }

    #[test]
    fn a_syntax_error_names_the_line() {
        let err = parse("clusters:\n  - a: [1, 2\n").unwrap_err();
        assert!(err.contains("line"), "{err}");
    }
}
