//! Auto Scaling errors: one variant per AWS error code, one match to the wire code and status.
//! Codes and statuses from the service model's error shapes (botocore `autoscaling/2011-01-01`);
//! messages as Auto Scaling words them.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum AsgError {
    /// AWS's catch-all for a bad request (the common error `ValidationError`).
    Validation(String),
    AlreadyExists(String),
    ResourceInUse(String),
    ScalingActivityInProgress(String),
    LimitExceeded(String),
    InvalidNextToken(String),
    /// An operation of the model that local-ecs does not build (the common error `InvalidAction`).
    InvalidAction(String),
}

pub type AsgResult<T> = Result<T, AsgError>;

impl AsgError {
    pub fn code(&self) -> &'static str {
        match self {
            AsgError::Validation(_) => "ValidationError",
            AsgError::AlreadyExists(_) => "AlreadyExists",
            AsgError::ResourceInUse(_) => "ResourceInUse",
            AsgError::ScalingActivityInProgress(_) => "ScalingActivityInProgress",
            AsgError::LimitExceeded(_) => "LimitExceeded",
            AsgError::InvalidNextToken(_) => "InvalidNextToken",
            AsgError::InvalidAction(_) => "InvalidAction",
        }
    }

    /// Every Auto Scaling fault local-ecs raises is the caller's, with status 400.
    pub fn status(&self) -> u16 {
        400
    }

    pub fn message(&self) -> &str {
        match self {
            AsgError::Validation(m)
            | AsgError::AlreadyExists(m)
            | AsgError::ResourceInUse(m)
            | AsgError::ScalingActivityInProgress(m)
            | AsgError::LimitExceeded(m)
            | AsgError::InvalidNextToken(m)
            | AsgError::InvalidAction(m) => m,
        }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        AsgError::Validation(message.into())
    }

    /// A group named in a request does not exist (or is not in this account and region).
    pub fn group_not_found(name: &str) -> Self {
        AsgError::Validation(format!(
            "AutoScalingGroup name not found - AutoScalingGroup {name} not found"
        ))
    }

    /// A required member is absent, in the words of AWS's request validation.
    pub fn missing(member: &str) -> Self {
        crate::wire::input::missing(member).into()
    }
}

pub use crate::wire::input::lower_first;

impl From<crate::core::Invalid> for AsgError {
    fn from(e: crate::core::Invalid) -> Self {
        AsgError::Validation(e.0)
    }
}

impl From<AsgError> for WireError {
    fn from(e: AsgError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_messages() {
        let e = AsgError::missing("AutoScalingGroupName");
        assert_eq!((e.code(), e.status()), ("ValidationError", 400));
        assert!(e.message().contains("at 'autoScalingGroupName'"));
        let w: WireError = AsgError::AlreadyExists("x".into()).into();
        assert_eq!((w.code.as_str(), w.status), ("AlreadyExists", 400));
        assert!(w.is_sender_fault());
    }
}
