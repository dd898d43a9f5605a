//! Amazon Resource Names, built and read in one place:
//! `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

/// The partition every ARN here is in.
pub const PARTITION: &str = "aws";

/// `arn:aws:<service>:<region>:<account>:<resource>` (region empty for global services).
pub fn build(service: &str, region: &str, account: &str, resource: &str) -> String {
    format!("arn:{PARTITION}:{service}:{region}:{account}:{resource}")
}

/// The root user of `account` (what every caller is, with no IAM emulated).
pub fn account_root(account: &str) -> String {
    build("iam", "", account, "root")
}

/// An ARN's parts, borrowed from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    /// Everything after the account: `type/id…` or `type:id…`.
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Reads an ARN; `None` when `text` is not one.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let arn = Arn {
            partition: parts.next()?,
            service: parts.next()?,
            region: parts.next()?,
            account: parts.next()?,
            resource: parts.next()?,
        };
        (!arn.partition.is_empty() && !arn.service.is_empty()).then_some(arn)
    }

    /// The resource's type and the rest (`cluster`, `name` for `cluster/name`).
    pub fn resource_type(&self) -> Option<(&'a str, &'a str)> {
        self.resource.split_once('/')
    }

    /// The last `/`-separated segment of the resource: a name or an id.
    pub fn last_segment(&self) -> &'a str {
        self.resource.rsplit('/').next().unwrap_or(self.resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_and_read_back() {
        let text = build("ecs", "eu-west-1", "123456789012", "service/prod/web");
        assert_eq!(text, "arn:aws:ecs:eu-west-1:123456789012:service/prod/web");
        let arn = Arn::parse(&text).unwrap();
        assert_eq!(
            (arn.service, arn.region, arn.account),
            ("ecs", "eu-west-1", "123456789012")
        );
        assert_eq!(arn.resource_type(), Some(("service", "prod/web")));
        assert_eq!(arn.last_segment(), "web");
        assert_eq!(account_root("1"), "arn:aws:iam::1:root");
    }

    #[test]
    fn resources_keep_their_colons() {
        let arn = Arn::parse("arn:aws:ecs:us-east-1:1:task-definition/fam:3").unwrap();
        assert_eq!(arn.resource, "task-definition/fam:3");
    }

    #[test]
    fn not_arns() {
        for text in [
            "",
            "arn",
            "arn:aws",
            "urn:aws:ecs:r:a:x",
            "arn::ecs:r:a:x",
            "cluster/x",
        ] {
            assert_eq!(Arn::parse(text), None, "{text}");
        }
    }
}
