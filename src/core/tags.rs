//! AWS's tag rules, the same for every service: key 1–128 and value 0–256 characters of
//! letters, digits, spaces and `+ - = . _ : / @`; no `aws:` prefix; at most 50 per resource.
//! <https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html>

use super::Invalid;

/// A tag as it is written on the wire (`key`/`value`, either may be missing in a request).
pub trait TagLike {
    fn key(&self) -> &str;
    fn value(&self) -> &str;
}

pub const MAX_TAGS: usize = 50;

/// AWS's tag rules: key 1–128 and value 0–256 characters of letters, digits, spaces and
/// `+ - = . _ : / @`; no `aws:` prefix; at most 50 per resource.
pub fn validate<T: TagLike>(tags: &[T]) -> Result<(), Invalid> {
    if tags.len() > MAX_TAGS {
        return Err(Invalid::new(format!(
            "The maximum number of tags per resource is {MAX_TAGS}."
        )));
    }
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "+-=._:/@".contains(c))
    };
    for tag in tags {
        let key = tag.key();
        let value = tag.value();
        if key.is_empty() || key.chars().count() > 128 || !allowed(key) {
            return Err(Invalid::new(format!("Tag key '{key}' is not valid: 1-128 characters of letters, numbers, spaces and + - = . _ : / @.")));
        }
        if value.chars().count() > 256 || !allowed(value) {
            return Err(Invalid::new(format!("Tag value '{value}' is not valid: up to 256 characters of letters, numbers, spaces and + - = . _ : / @.")));
        }
        if key.len() >= 4 && key[..4].eq_ignore_ascii_case("aws:") {
            return Err(Invalid::new(
                "Tag keys prefixed with aws: are reserved for AWS use.",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tag(String, String);

    impl TagLike for Tag {
        fn key(&self) -> &str {
            &self.0
        }
        fn value(&self) -> &str {
            &self.1
        }
    }

    fn tag(k: &str, v: &str) -> Tag {
        Tag(k.into(), v.into())
    }

    #[test]
    fn limits() {
        assert!(validate(&[tag("env", "dev"), tag("a b+-=._:/@", "ünïcode ok")]).is_ok());
        assert!(validate(&[tag("", "x")]).is_err());
        assert!(validate(&[tag(&"k".repeat(129), "x")]).is_err());
        assert!(validate(&[tag("k", &"v".repeat(257))]).is_err());
        assert!(validate(&[tag("AWS:thing", "x")]).is_err());
        assert!(validate(&[tag("k", "semi;colon")]).is_err());
        let many: Vec<Tag> = (0..51).map(|i| tag(&format!("k{i}"), "v")).collect();
        assert!(validate(&many).is_err());
        assert!(validate(&many[..50]).is_ok());
    }
}
