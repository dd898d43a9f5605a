//! The stickiness cookies ELBv2 sets (`AWSALB`/`AWSALBCORS` naming a target,
//! `AWSALBTG`/`AWSALBTGCORS` naming a target group): reading them from a request, their opaque
//! values and their `Set-Cookie` lines with an HTTP date.

use crate::core::balancing::TargetKey;
use crate::core::clock::civil_from_days;
use hyper::HeaderMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Target stickiness (`lb_cookie`).
pub(super) const TARGET: &str = "AWSALB";
/// Group stickiness of a forward over several target groups.
pub(super) const GROUP: &str = "AWSALBTG";

/// The value of cookie `name` among the request's `Cookie` headers.
pub(super) fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(hyper::header::COOKIE)
        .iter()
        .filter_map(|h| h.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

/// An opaque value naming a target: hex of `id:port` (ELBv2's is encrypted, clients must not
/// read it either way).
pub(super) fn target_value(key: &TargetKey) -> String {
    hex(format!("{}:{}", key.id, key.port).as_bytes())
}

/// An opaque value naming a target group: an FNV-1a hash of its ARN (shorter than the ARN).
pub(super) fn group_value(arn: &str) -> String {
    let hash = arn.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The two `Set-Cookie` lines ELBv2 sends: `NAME` for same-site requests and `NAMECORS` with
/// `SameSite=None; Secure` for cross-origin ones.
pub(super) fn set_lines(
    name: &str,
    value: &str,
    lifetime: Duration,
    now: SystemTime,
) -> [String; 2] {
    let expires = http_date(now + lifetime);
    [
        format!("{name}={value}; Expires={expires}; Path=/"),
        format!("{name}CORS={value}; Expires={expires}; Path=/; SameSite=None; Secure"),
    ]
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), as cookies' `Expires` takes it.
pub(super) fn http_date(at: SystemTime) -> String {
    let secs = at.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_are_imf_fixdate() {
        let at = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(at), "Sun, 06 Nov 1994 08:49:37 GMT");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut headers = HeaderMap::new();
        headers.append("cookie", "a=1; AWSALB=abc".parse().unwrap());
        headers.append("cookie", "AWSALBTG=\"q\"".parse().unwrap());
        assert_eq!(get(&headers, TARGET), Some("abc"));
        assert_eq!(get(&headers, GROUP), Some("q"));
        assert_eq!(get(&headers, "AWSALBCORS"), None);
    }

    #[test]
    fn set_lines_carry_expiry_and_cors_attributes() {
        let [plain, cors] = set_lines("AWSALB", "v", Duration::from_secs(60), UNIX_EPOCH);
        assert_eq!(
            plain,
            "AWSALB=v; Expires=Thu, 01 Jan 1970 00:01:00 GMT; Path=/"
        );
        assert!(cors.starts_with("AWSALBCORS=v;") && cors.ends_with("SameSite=None; Secure"));
        let key = TargetKey {
            id: "i-1".into(),
            port: 80,
        };
        assert_eq!(target_value(&key), "692d313a3830");
    }
}
