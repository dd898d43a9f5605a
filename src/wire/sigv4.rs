//! Reads (never verifies) the SigV4 credential scope:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>.
//! `Credential=AKID/20260101/us-east-1/ecs/aws4_request`, from the `Authorization` header or the
//! `X-Amz-Credential` query parameter of a presigned request.

/// The parts of a credential scope local-ecs uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    pub access_key: String,
    pub region: String,
    pub service: String,
}

/// Parses the scope from an `Authorization` header value.
/// The account of a caller whose access key is not a 12-digit account id.
pub const DEFAULT_ACCOUNT: &str = "000000000000";

pub fn from_authorization(header: &str) -> Option<Scope> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let cred = rest
        .split(',')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("Credential="))?;
    from_credential(cred)
}

/// Parses `AKID/date/region/service/aws4_request` (already percent-decoded).
pub fn from_credential(cred: &str) -> Option<Scope> {
    let mut parts = cred.trim().split('/');
    let access_key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    let service = parts.next()?.to_string();
    Some(Scope {
        access_key,
        region,
        service,
    })
}

/// The account an access key stands for: the key itself when it is 12 digits, as LocalStack does.
pub fn account_for(access_key: &str) -> String {
    if access_key.len() == 12 && access_key.bytes().all(|b| b.is_ascii_digit()) {
        access_key.to_string()
    } else {
        DEFAULT_ACCOUNT.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_header() {
        let h = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-1/ecs/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";
        let s = from_authorization(h).unwrap();
        assert_eq!(
            s,
            Scope {
                access_key: "123456789012".into(),
                region: "eu-west-1".into(),
                service: "ecs".into()
            }
        );
        assert_eq!(account_for(&s.access_key), "123456789012");
        assert_eq!(account_for("AKIAEXAMPLE"), "000000000000");
        assert_eq!(account_for("12345678901"), "000000000000");
        assert!(from_authorization("Bearer x").is_none());
        assert!(from_authorization("AWS4-HMAC-SHA256 Credential=onlykey").is_none());
    }
}
