//! Typed reads of an EC2 Query request. The edge rebuilds the flattened pairs into a document
//! ([`crate::wire::query::to_document`]: `InstanceId.1=i-1` → `{"InstanceId": ["i-1"]}`) whose
//! scalars are all strings; these readers convert them as the EC2 model types them (integer,
//! boolean, list, structure) and answer EC2's own errors for a value of the wrong form, never
//! a panic. Names are the serialized ones (`InstanceId`, `Filter`, `TagSpecification`), not
//! the SDKs' member names.

use super::error::{Ec2Error, Ec2Result};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One level of a request (the whole request, or a structure inside it).
#[derive(Debug, Clone, Copy)]
pub struct Params<'a>(pub &'a Map<String, Value>);

/// A `Filter.N` entry: a name and the values any of which may match.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl<'a> Params<'a> {
    /// A scalar, if present (an empty string counts as present).
    pub fn str(&self, name: &str) -> Ec2Result<Option<&'a str>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(Ec2Error::invalid_value(name, "(a list or structure)")),
        }
    }

    /// A scalar that must be present and not empty.
    pub fn required(&self, name: &str) -> Ec2Result<&'a str> {
        self.str(name)?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Ec2Error::missing(name))
    }

    pub fn int(&self, name: &str) -> Ec2Result<Option<i64>> {
        self.str(name)?
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| Ec2Error::invalid_value(name, s))
            })
            .transpose()
    }

    pub fn bool(&self, name: &str) -> Ec2Result<Option<bool>> {
        self.str(name)?
            .map(|s| match s.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(Ec2Error::invalid_value(name, s)),
            })
            .transpose()
    }

    /// A list of scalars (`Name.1`, `Name.2`…); absent is empty.
    pub fn strings(&self, name: &str) -> Ec2Result<Vec<String>> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(Ec2Error::invalid_value(name, "(a structure)")),
                })
                .collect(),
            Some(_) => Err(Ec2Error::InvalidParameterValue(format!(
                "The parameter {name} must be a list ({name}.1, {name}.2, ...)"
            ))),
        }
    }

    /// A structure, if present.
    pub fn child(&self, name: &str) -> Ec2Result<Option<Params<'a>>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(Params(map))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(_) => Err(Ec2Error::InvalidParameterValue(format!(
                "The parameter {name} must be a structure ({name}.Member=...)"
            ))),
        }
    }

    /// A list of structures (`Name.1.Member`…); absent is empty.
    pub fn list(&self, name: &str) -> Ec2Result<Vec<Params<'a>>> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::Object(map) => Ok(Params(map)),
                    _ => Err(Ec2Error::InvalidParameterValue(format!(
                        "The parameter {name} must be a list of structures"
                    ))),
                })
                .collect(),
            Some(_) => Err(Ec2Error::InvalidParameterValue(format!(
                "The parameter {name} must be a list ({name}.1.Member=...)"
            ))),
        }
    }

    /// `Filter.N.Name` / `Filter.N.Value.M`.
    pub fn filters(&self) -> Ec2Result<Vec<Filter>> {
        self.list("Filter")?
            .into_iter()
            .map(|f| {
                Ok(Filter {
                    name: f.required("Name")?.to_string(),
                    values: f.strings("Value")?,
                })
            })
            .collect()
    }

    /// `Tag.N.Key` / `Tag.N.Value` (a missing value is empty, as EC2 stores it).
    pub fn tags(&self, name: &str) -> Ec2Result<Vec<(String, String)>> {
        self.list(name)?
            .into_iter()
            .map(|t| {
                Ok((
                    t.required("Key")?.to_string(),
                    t.str("Value")?.unwrap_or("").to_string(),
                ))
            })
            .collect()
    }

    /// `TagSpecification.N`: the tags asked for each resource type.
    pub fn tag_specs(&self) -> Ec2Result<BTreeMap<String, Vec<(String, String)>>> {
        let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for spec in self.list("TagSpecification")? {
            let kind = spec.required("ResourceType")?.to_string();
            out.entry(kind).or_default().extend(spec.tags("Tag")?);
        }
        Ok(out)
    }

    /// `MaxResults` within `min..=max` (EC2's bounds differ per operation).
    pub fn max_results(&self, min: i64, max: i64) -> Ec2Result<Option<usize>> {
        match self.int("MaxResults")? {
            None => Ok(None),
            Some(n) if n >= min && n <= max => Ok(Some(n as usize)),
            Some(n) => Err(Ec2Error::InvalidParameterValue(format!(
                "Value ( {n} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}."
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::query::{parse_form, to_document};

    fn doc(form: &str) -> Map<String, Value> {
        to_document(&parse_form(form))
    }

    #[test]
    fn typed_reads_and_their_errors() {
        let d = doc("MinCount=2&DryRun=true&Bad=x&InstanceId.1=i-1&InstanceId.2=i-2&Placement.AvailabilityZone=us-east-1a");
        let p = Params(&d);
        assert_eq!(p.int("MinCount").unwrap(), Some(2));
        assert_eq!(p.bool("DryRun").unwrap(), Some(true));
        assert_eq!(p.int("Bad").unwrap_err().code(), "InvalidParameterValue");
        assert_eq!(p.bool("Bad").unwrap_err().code(), "InvalidParameterValue");
        assert_eq!(p.strings("InstanceId").unwrap(), ["i-1", "i-2"]);
        assert_eq!(
            p.strings("Bad").unwrap_err().code(),
            "InvalidParameterValue"
        );
        assert_eq!(
            p.required("ImageId").unwrap_err().code(),
            "MissingParameter"
        );
        let placement = p.child("Placement").unwrap().unwrap();
        assert_eq!(
            placement.str("AvailabilityZone").unwrap(),
            Some("us-east-1a")
        );
        assert!(p.child("MinCount").is_err());
        assert!(p.str("InstanceId").is_err());
    }

    #[test]
    fn filters_tags_and_tag_specs() {
        let d = doc("Filter.1.Name=tag:Env&Filter.1.Value.1=prod&Filter.1.Value.2=dev&Tag.1.Key=a&Tag.2.Key=b&Tag.2.Value=2&TagSpecification.1.ResourceType=instance&TagSpecification.1.Tag.1.Key=k&TagSpecification.1.Tag.1.Value=v");
        let p = Params(&d);
        assert_eq!(
            p.filters().unwrap(),
            [Filter {
                name: "tag:Env".into(),
                values: vec!["prod".into(), "dev".into()]
            }]
        );
        assert_eq!(
            p.tags("Tag").unwrap(),
            [("a".into(), "".into()), ("b".into(), "2".into())]
        );
        assert_eq!(
            p.tag_specs().unwrap()["instance"],
            [("k".to_string(), "v".to_string())]
        );
        let bad = doc("Filter.1.Value.1=x");
        assert_eq!(
            Params(&bad).filters().unwrap_err().code(),
            "MissingParameter"
        );
    }
}
