//! The random identifiers ECS hands out, in the forms AWS uses: hex ids (task, container
//! instance, ENI, EC2 instance), UUIDs (containers, attachments, events) and deployment ids.

/// `bytes` random bytes as lower-case hex.
pub fn hex(bytes: usize) -> String {
    (0..bytes)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// A random UUID in its 8-4-4-4-12 text form.
pub fn uuid() -> String {
    let h = hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A deployment or task set id: `ecs-svc/` and 19 digits.
pub fn deployment_id() -> String {
    let digits: String = (0..19)
        .map(|_| char::from(b'0' + rand::random::<u8>() % 10))
        .collect();
    format!("ecs-svc/{digits}")
}

/// A resource id with a prefix and 17 hex digits (`eni-…`, `i-…`).
pub fn short_id(prefix: &str) -> String {
    format!("{prefix}-{}", &hex(9)[..17])
}

/// A Cloud Map namespace id: `ns-` and 16 lower-case letters and digits.
pub fn namespace_id() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let tail: String = (0..16)
        .map(|_| char::from(CHARS[usize::from(rand::random::<u8>()) % CHARS.len()]))
        .collect();
    format!("ns-{tail}")
}

/// A locally administered MAC address, as Docker assigns them (`02:42:…`).
pub fn mac_address() -> String {
    let h = hex(4);
    format!("02:42:{}:{}:{}:{}", &h[0..2], &h[2..4], &h[4..6], &h[6..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(hex(16).len(), 32);
        let u = uuid();
        assert_eq!(
            u.split('-').map(str::len).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        let ns = namespace_id();
        assert!(ns.len() == 19 && ns[3..].bytes().all(|b| b.is_ascii_alphanumeric()));
        let d = deployment_id();
        assert!(
            d.starts_with("ecs-svc/")
                && d.len() == 27
                && d[8..].bytes().all(|b| b.is_ascii_digit())
        );
        assert_eq!(short_id("eni").len(), 21);
        assert_eq!(mac_address().len(), 17);
    }
}
