//! EC2's `Filter.N` semantics
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Filtering.html>): filters are
//! ANDed, the values of one filter ORed; values may use `*` (any run of characters) and `?`
//! (any one character); matching is case-sensitive. `tag:KEY`, `tag-key` and `tag-value` work
//! on every resource that has tags. An unknown filter name is an `InvalidParameterValue`, as
//! EC2 answers it.

use super::error::{Ec2Error, Ec2Result};
use super::params::Filter;
use std::collections::BTreeMap;

/// A resource that filters can look at.
pub trait Filterable {
    /// The values of the named attribute, or `None` when the resource has no such filter.
    fn filter_values(&self, name: &str) -> Option<Vec<String>>;
    /// Its tags.
    fn tags(&self) -> &BTreeMap<String, String>;
}

/// Whether `item` passes every filter.
pub fn matches(filters: &[Filter], item: &impl Filterable) -> Ec2Result<bool> {
    for filter in filters {
        let values = attribute(item, &filter.name).ok_or_else(|| {
            Ec2Error::InvalidFilter(format!("The filter '{}' is invalid", filter.name))
        })?;
        let hit = filter
            .values
            .iter()
            .any(|pattern| values.iter().any(|v| glob(pattern, v)));
        if !hit {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Keeps the items that pass every filter (the first unknown filter name is an error).
pub fn select<'a, T: Filterable + 'a>(
    filters: &[Filter],
    items: impl Iterator<Item = &'a T>,
) -> Ec2Result<Vec<&'a T>> {
    let mut out = Vec::new();
    for item in items {
        if matches(filters, item)? {
            out.push(item);
        }
    }
    Ok(out)
}

fn attribute(item: &impl Filterable, name: &str) -> Option<Vec<String>> {
    let tags = item.tags();
    if let Some(key) = name.strip_prefix("tag:") {
        return Some(tags.get(key).cloned().into_iter().collect());
    }
    match name {
        "tag-key" => Some(tags.keys().cloned().collect()),
        "tag-value" => Some(tags.values().cloned().collect()),
        _ => item.filter_values(name),
    }
}

/// EC2's wildcard match: `*` any run, `?` any one character, `\` escapes the next one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matching with one backtrack point, linear in practice and never recursive.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let (lit, width) = match p.get(pi) {
            Some('\\') if pi + 1 < p.len() => (Some(p[pi + 1]), 2),
            Some('*') => {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            Some('?') => (None, 1),
            Some(c) => (Some(*c), 1),
            None => (Some('\u{0}'), 0),
        };
        let ok = width > 0 && lit.is_none_or(|c| c == t[ti]);
        if ok {
            pi += width;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `true`/`false` as filters compare booleans.
pub fn flag(b: bool) -> Vec<String> {
    vec![b.to_string()]
}

/// One value, as a filter sees it.
pub fn one(v: impl Into<String>) -> Vec<String> {
    vec![v.into()]
}

/// An optional value (absent matches nothing).
pub fn opt(v: Option<&str>) -> Vec<String> {
    v.map(str::to_string).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Thing {
        kind: &'static str,
        tags: BTreeMap<String, String>,
    }

    impl Filterable for Thing {
        fn filter_values(&self, name: &str) -> Option<Vec<String>> {
            (name == "kind").then(|| one(self.kind))
        }
        fn tags(&self) -> &BTreeMap<String, String> {
            &self.tags
        }
    }

    fn filter(name: &str, values: &[&str]) -> Filter {
        Filter {
            name: name.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn wildcards() {
        assert!(glob("web-*", "web-1"));
        assert!(glob("*", ""));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*b*b", "abcbxb"));
        assert!(!glob("web", "web-1"));
        assert!(glob("a\\*", "a*"));
        assert!(!glob("a\\*", "ab"));
        assert!(!glob("Web", "web"));
    }

    #[test]
    fn filters_and_values() {
        let thing = Thing {
            kind: "box",
            tags: BTreeMap::from([("Env".to_string(), "prod".to_string())]),
        };
        assert!(matches(&[filter("kind", &["crate", "b*"])], &thing).unwrap());
        assert!(!matches(
            &[filter("kind", &["box"]), filter("tag:Env", &["dev"])],
            &thing
        )
        .unwrap());
        assert!(matches(
            &[filter("tag:Env", &["prod"]), filter("tag-key", &["Env"])],
            &thing
        )
        .unwrap());
        assert!(!matches(&[filter("tag:Missing", &["*"])], &thing).unwrap());
        assert!(matches(&[filter("tag-value", &["pr*"])], &thing).unwrap());
        let err = matches(&[filter("colour", &["red"])], &thing).unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValue");
        assert_eq!(err.message(), "The filter 'colour' is invalid");
    }
}
