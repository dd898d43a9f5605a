//! Reading an operation's input as AWS Query sends it. [`crate::wire::query::to_document`]
//! rebuilds the nesting but leaves every scalar a string (Query carries no types); this reader
//! converts the members an operation asks for, answering [`Invalid`] (each Query service words
//! it as its `ValidationError`) when a value is not of the member's type. No service model is
//! embedded for the Query services: each operation reads the members it implements.

use crate::core::Invalid;
use serde_json::{Map, Value};

type Checked<T> = Result<T, Invalid>;

/// AWS's request-validation message for an absent required member.
pub fn missing(member: &str) -> Invalid {
    Invalid(format!(
        "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
        lower_first(member)
    ))
}

/// AWS names members in validation messages with a lower-case first letter.
pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An operation's input (or a structure inside it).
#[derive(Debug, Clone, Default)]
pub struct Input(Map<String, Value>);

impl Input {
    pub fn new(map: Map<String, Value>) -> Self {
        Input(map)
    }

    /// A string member (a scalar sent where a structure was expected counts as absent).
    pub fn str(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }

    pub fn required_str(&self, name: &str) -> Checked<&str> {
        self.str(name).ok_or_else(|| missing(name))
    }

    pub fn string(&self, name: &str) -> Option<String> {
        self.str(name).map(str::to_string)
    }

    pub fn int(&self, name: &str) -> Checked<Option<i64>> {
        let Some(text) = self.str(name) else {
            return Ok(None);
        };
        text.trim()
            .parse()
            .map(Some)
            .map_err(|_| bad_value(name, text, "an integer"))
    }

    pub fn required_int(&self, name: &str) -> Checked<i64> {
        self.int(name)?.ok_or_else(|| missing(name))
    }

    /// A non-negative integer that fits a `u32` (sizes and capacities).
    pub fn count(&self, name: &str) -> Checked<Option<u32>> {
        match self.int(name)? {
            None => Ok(None),
            Some(n) => u32::try_from(n).map(Some).map_err(|_| {
                Invalid(format!(
                    "1 validation error detected: Value '{n}' at '{}' failed to satisfy constraint: Member must have value greater than or equal to 0",
                    lower_first(name)
                ))
            }),
        }
    }

    pub fn bool(&self, name: &str) -> Checked<Option<bool>> {
        match self.str(name) {
            None => Ok(None),
            Some(t) if t.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(t) if t.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(t) => Err(bad_value(name, t, "a boolean")),
        }
    }

    /// A list of strings (`Names.member.N`); an empty list, which Query sends as `Names=`,
    /// and an absent one are both empty.
    pub fn strings(&self, name: &str) -> Vec<String> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the member was sent at all (even as an empty list).
    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A nested structure, if sent as one.
    pub fn object(&self, name: &str) -> Option<Input> {
        match self.0.get(name) {
            Some(Value::Object(map)) => Some(Input(map.clone())),
            _ => None,
        }
    }

    /// A list of structures (`Tags.member.N.Key`…).
    pub fn objects(&self, name: &str) -> Vec<Input> {
        match self.0.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|v| v.as_object().map(|m| Input(m.clone())))
                .collect(),
            _ => Vec::new(),
        }
    }
}

fn bad_value(name: &str, text: &str, what: &str) -> Invalid {
    Invalid(format!(
        "Value '{text}' for parameter {name} is invalid: it must be {what}."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::query::{parse_form, to_document};

    fn input(form: &str) -> Input {
        Input::new(to_document(&parse_form(form)))
    }

    #[test]
    fn typed_members() {
        let i = input("MinSize=1&Flag=true&Bad=x&Neg=-1&Names.member.1=a&Names.member.2=b&Empty=&LaunchTemplate.LaunchTemplateName=lt&Tags.member.1.Key=k");
        assert_eq!(i.int("MinSize").unwrap(), Some(1));
        assert_eq!(i.bool("Flag").unwrap(), Some(true));
        assert!(i.bool("Bad").is_err() && i.int("Bad").is_err());
        assert!(i.count("Neg").is_err());
        assert_eq!(i.strings("Names"), ["a", "b"]);
        assert!(i.strings("Empty").is_empty() && i.has("Empty"));
        assert_eq!(
            i.object("LaunchTemplate")
                .unwrap()
                .str("LaunchTemplateName"),
            Some("lt")
        );
        assert_eq!(i.objects("Tags")[0].str("Key"), Some("k"));
        assert!(i.required_str("Nope").unwrap_err().0.contains("at 'nope'"));
    }
}
