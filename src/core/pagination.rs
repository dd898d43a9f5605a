//! Pagination as ECS does it: `maxResults` within bounds, an opaque `nextToken` that resumes after
//! the last key returned, and an error for a token local-ecs did not issue.

use super::Invalid;

const PREFIX: &str = "lecs1.";

/// The page size: `requested` when within `1..=max`, else `default` when absent.
pub fn page_size(requested: Option<i32>, default: usize, max: usize) -> Result<usize, Invalid> {
    match requested {
        None => Ok(default),
        Some(n) if n >= 1 && (n as usize) <= max => Ok(n as usize),
        Some(_) => Err(Invalid::new(format!(
            "maxResults must be between 1 and {max}."
        ))),
    }
}

/// The key a request resumes after, if it carried a token.
pub fn resume_after(token: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(token) = token else { return Ok(None) };
    let invalid = || Invalid::new("Invalid token: the nextToken is not one this service issued.");
    let hex = token.strip_prefix(PREFIX).ok_or_else(invalid)?;
    if hex.is_empty() || hex.len() % 2 != 0 {
        return Err(invalid());
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|_| invalid())?;
    String::from_utf8(bytes).map(Some).map_err(|_| invalid())
}

/// The token that resumes after `key`.
pub fn token_after(key: &str) -> String {
    let mut out = String::with_capacity(PREFIX.len() + key.len() * 2);
    out.push_str(PREFIX);
    for b in key.bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Takes up to `size` items; when more remain, also the token that resumes after the last one.
pub fn take_page<T>(
    mut items: impl Iterator<Item = T>,
    size: usize,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let page: Vec<T> = items.by_ref().take(size).collect();
    let more = items.next().is_some();
    let token = if more {
        page.last().map(|last| token_after(&key(last)))
    } else {
        None
    };
    (page, token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_reject_forgeries() {
        let t = token_after("family\u{1}00000042");
        assert_eq!(
            resume_after(Some(&t)).unwrap().as_deref(),
            Some("family\u{1}00000042")
        );
        assert_eq!(resume_after(None).unwrap(), None);
        for bad in ["", "abc", "lecs1.", "lecs1.0", "lecs1.zz", "lecs1.ff"] {
            assert!(resume_after(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None, 100, 100).unwrap(), 100);
        assert_eq!(page_size(Some(5), 100, 100).unwrap(), 5);
        assert!(page_size(Some(0), 100, 100).is_err());
        assert!(page_size(Some(101), 100, 100).is_err());
        assert!(page_size(Some(-1), 10, 10).is_err());
    }

    #[test]
    fn pages_carry_a_token_only_when_more_remain() {
        let (p, t) = take_page(1..=5, 2, |n| n.to_string());
        assert_eq!(
            (p, t.as_deref()),
            (vec![1, 2], Some(token_after("2").as_str()))
        );
        let (p, t) = take_page(1..=2, 2, |n| n.to_string());
        assert_eq!((p, t), (vec![1, 2], None));
    }
}
