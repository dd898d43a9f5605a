//! The IAM operation handlers: each reads its input, checks it as IAM does, changes the
//! account's state and returns the XML of its `Result`. Shared here: the name, path and
//! document rules, ids and ARNs, `Marker`/`MaxItems` paging and tags.

pub mod inline;
pub mod policies;
pub mod profiles;
pub mod roles;

use super::state::{AccountState, Tags};
use super::{IamError, IamResult};
use crate::core::context::RequestContext;
use crate::core::tags::{validate, TagLike};
use crate::wire::input::Input;
use crate::wire::xml::XmlWriter;

/// What a handler may read outside its own state.
pub struct Env<'a> {
    pub ctx: &'a RequestContext,
}

/// An operation: the account's state, the request, the input.
pub type Handler = fn(&mut AccountState, &Env<'_>, &Input) -> IamResult<Option<String>>;

/// A name of `[\w+=,.@-]`, `min..=max` long (roles, policies, instance profiles, sessions).
pub fn check_name(member: &str, name: &str, min: usize, max: usize) -> IamResult<()> {
    let ok_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    let len = name.chars().count();
    if !ok_chars {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            crate::wire::input::lower_first(member)
        )));
    }
    if len < min || len > max {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '{name}' at '{}' failed to satisfy constraint: Member must have length between {min} and {max}",
            crate::wire::input::lower_first(member)
        )));
    }
    Ok(())
}

/// The required name member, checked.
pub fn name<'i>(input: &'i Input, member: &str, max: usize) -> IamResult<&'i str> {
    let name = input
        .required_str(member)
        .map_err(|_| IamError::missing(member))?;
    check_name(member, name, 1, max)?;
    Ok(name)
}

/// `Path` (default `/`): `/` alone, or `/`-delimited printable ASCII, at most 512 characters.
pub fn path(input: &Input, member: &str) -> IamResult<String> {
    let path = input.str(member).unwrap_or("/");
    let printable = path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if path.len() > 512 || !path.starts_with('/') || !path.ends_with('/') || !printable {
        return Err(IamError::Validation(format!(
            "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters. Value: {path}"
        )));
    }
    Ok(path.to_string())
}

/// A policy document member: required, and JSON (IAM checks far more; local-ecs only parses).
pub fn document(input: &Input, member: &str) -> IamResult<String> {
    let doc = input
        .required_str(member)
        .map_err(|_| IamError::missing(member))?;
    match serde_json::from_str::<serde_json::Value>(doc) {
        Ok(serde_json::Value::Object(_)) => Ok(doc.to_string()),
        _ => Err(IamError::MalformedPolicyDocument(
            "This policy contains invalid Json".into(),
        )),
    }
}

/// An IAM unique id: a prefix (`AROA`, `ANPA`, `AIPA`) and 17 upper-case letters and digits.
pub fn unique_id(prefix: &str) -> String {
    format!("{prefix}{}", upper_alnum(17))
}

/// `n` random upper-case letters and digits.
pub fn upper_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    (0..n)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect()
}

/// `arn:aws:iam::ACCT:KIND/PATH/NAME` (the path segment is left out when it is `/`).
pub fn arn(account: &str, kind: &str, path: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:{kind}{path}{name}")
}

/// `MaxItems` (1–1000, default 100) and `Marker`: the page of `items` (sorted by key) after the
/// marker, and the marker of the next page when the list is truncated.
pub fn page<T>(input: &Input, items: Vec<(String, T)>) -> IamResult<(Vec<T>, Option<String>)> {
    let size = match input.int("MaxItems")? {
        None => 100,
        Some(n @ 1..=1000) => n as usize,
        Some(n) => {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{n}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
            )))
        }
    };
    let after = crate::core::pagination::resume_after(input.str("Marker"))
        .map_err(|_| IamError::InvalidInput("Invalid Marker.".into()))?;
    let rest = items
        .into_iter()
        .filter(|(key, _)| after.as_ref().is_none_or(|a| key > a));
    let (page, marker) = crate::core::pagination::take_page(rest, size, |(k, _)| k.clone());
    Ok((page.into_iter().map(|(_, v)| v).collect(), marker))
}

/// `<IsTruncated>` and, when truncated, `<Marker>`.
pub fn truncation(w: &mut XmlWriter, marker: Option<&str>) {
    w.element(
        "IsTruncated",
        if marker.is_some() { "true" } else { "false" },
    )
    .optional("Marker", marker);
}

struct Pair<'a>(&'a str, &'a str);

impl TagLike for Pair<'_> {
    fn key(&self) -> &str {
        self.0
    }
    fn value(&self) -> &str {
        self.1
    }
}

/// `Tags.member.N.Key/Value`, checked with AWS's tag rules.
pub fn read_tags(input: &Input) -> IamResult<Tags> {
    let mut tags: Tags = Vec::new();
    for t in input.objects("Tags") {
        let key = t.string("Key").ok_or_else(|| IamError::missing("Key"))?;
        let value = t
            .string("Value")
            .ok_or_else(|| IamError::missing("Value"))?;
        if tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(&key)) {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
        tags.push((key, value));
    }
    let pairs: Vec<Pair> = tags.iter().map(|(k, v)| Pair(k, v)).collect();
    validate(&pairs).map_err(|e| IamError::InvalidInput(e.0))?;
    Ok(tags)
}

/// Adds or replaces tags; more than 50 answers `LimitExceeded`.
pub fn merge_tags(tags: &mut Tags, new: Tags) -> IamResult<()> {
    let mut merged = tags.clone();
    for (k, v) in new {
        match merged
            .iter_mut()
            .find(|(key, _)| key.eq_ignore_ascii_case(&k))
        {
            Some(t) => *t = (k, v),
            None => merged.push((k, v)),
        }
    }
    if merged.len() > crate::core::tags::MAX_TAGS {
        return Err(IamError::LimitExceeded(
            "The number of tags has reached the maximum limit.".into(),
        ));
    }
    *tags = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::query::{parse_form, to_document};

    fn input(form: &str) -> Input {
        Input::new(to_document(&parse_form(form)))
    }

    #[test]
    fn names_and_paths() {
        assert!(check_name("RoleName", "my-role_+=,.@", 1, 64).is_ok());
        assert!(check_name("RoleName", "bad name", 1, 64).is_err());
        assert!(check_name("RoleName", &"a".repeat(65), 1, 64).is_err());
        assert!(check_name("RoleSessionName", "a", 2, 64).is_err());
        assert_eq!(path(&input(""), "Path").unwrap(), "/");
        assert_eq!(path(&input("Path=/a/b/"), "Path").unwrap(), "/a/b/");
        assert!(path(&input("Path=/a"), "Path").is_err());
        assert!(path(&input("Path=a/"), "Path").is_err());
        assert_eq!(arn("1", "role", "/", "r"), "arn:aws:iam::1:role/r");
        assert_eq!(arn("1", "role", "/x/", "r"), "arn:aws:iam::1:role/x/r");
        let id = unique_id("AROA");
        assert_eq!(id.len(), 21);
        assert!(id[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
    }

    #[test]
    fn documents_must_be_json_objects() {
        assert!(document(&input("D=%7B%7D"), "D").is_ok());
        let e = document(&input("D=nope"), "D").unwrap_err();
        assert_eq!(e.code(), "MalformedPolicyDocument");
        assert_eq!(
            document(&input(""), "D").unwrap_err().code(),
            "ValidationError"
        );
    }

    #[test]
    fn paging_by_marker() {
        let items: Vec<(String, u32)> = (0..5).map(|i| (format!("k{i}"), i)).collect();
        let (first, marker) = page(&input("MaxItems=2"), items.clone()).unwrap();
        assert_eq!(first, [0, 1]);
        let marker = marker.unwrap();
        let (second, _) = page(
            &input(&format!("MaxItems=2&Marker={marker}")),
            items.clone(),
        )
        .unwrap();
        assert_eq!(second, [2, 3]);
        let (all, none) = page(&input(""), items.clone()).unwrap();
        assert_eq!((all.len(), none), (5, None));
        assert!(page(&input("MaxItems=0"), items.clone()).is_err());
        assert_eq!(
            page(&input("Marker=zz"), items).unwrap_err().code(),
            "InvalidInput"
        );
    }

    #[test]
    fn tags_merge_case_insensitively() {
        let mut tags = vec![("Env".to_string(), "a".to_string())];
        merge_tags(
            &mut tags,
            vec![("env".into(), "b".into()), ("x".into(), "y".into())],
        )
        .unwrap();
        assert_eq!(tags.len(), 2);
        assert!(read_tags(&input(
            "Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=A&Tags.member.2.Value=2"
        ))
        .is_err());
    }
}
