//! Application Auto Scaling errors: one variant per AWS error code, one match to the wire code and
//! status. Codes from botocore's `application-autoscaling/2016-02-06` error shapes; messages as
//! the service words them.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum AasError {
    Validation(String),
    ObjectNotFound(String),
    ConcurrentUpdate(String),
    LimitExceeded(String),
    FailedResourceAccess(String),
    ResourceNotFound(String),
    TooManyTags(String),
    InvalidNextToken(String),
    /// A body that is not the operation's shape (a string where a number belongs).
    Serialization(String),
    UnknownOperation(String),
}

pub type AasResult<T> = Result<T, AasError>;

impl AasError {
    pub fn code(&self) -> &'static str {
        match self {
            AasError::Validation(_) => "ValidationException",
            AasError::ObjectNotFound(_) => "ObjectNotFoundException",
            AasError::ConcurrentUpdate(_) => "ConcurrentUpdateException",
            AasError::LimitExceeded(_) => "LimitExceededException",
            AasError::FailedResourceAccess(_) => "FailedResourceAccessException",
            AasError::ResourceNotFound(_) => "ResourceNotFoundException",
            AasError::TooManyTags(_) => "TooManyTagsException",
            AasError::InvalidNextToken(_) => "InvalidNextTokenException",
            AasError::Serialization(_) => "SerializationException",
            AasError::UnknownOperation(_) => "UnknownOperationException",
        }
    }

    /// Every fault local-ecs raises here is the caller's.
    pub fn status(&self) -> u16 {
        400
    }

    pub fn message(&self) -> &str {
        match self {
            AasError::Validation(m)
            | AasError::ObjectNotFound(m)
            | AasError::ConcurrentUpdate(m)
            | AasError::LimitExceeded(m)
            | AasError::FailedResourceAccess(m)
            | AasError::ResourceNotFound(m)
            | AasError::TooManyTags(m)
            | AasError::InvalidNextToken(m)
            | AasError::Serialization(m)
            | AasError::UnknownOperation(m) => m,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        AasError::Validation(message.into())
    }

    /// A required member is absent, in the words of AWS's request validation.
    pub fn missing(member: &str) -> Self {
        crate::wire::input::missing(member).into()
    }

    /// AWS's request-validation message for one member.
    pub fn constraint(value: &str, member: &str, rule: &str) -> Self {
        AasError::invalid(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {rule}"
        ))
    }

    /// No scalable target with this key (PutScalingPolicy, PutScheduledAction, Deregister).
    pub fn no_target(namespace: &str, resource_id: &str, dimension: &str) -> Self {
        AasError::ObjectNotFound(format!(
            "No scalable target registered for service namespace: {namespace}, resource ID: {resource_id}, scalable dimension: {dimension}"
        ))
    }
}

impl From<crate::core::Invalid> for AasError {
    fn from(e: crate::core::Invalid) -> Self {
        AasError::Validation(e.0)
    }
}

impl From<AasError> for WireError {
    fn from(e: AasError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = AasError::missing("ResourceId");
        assert_eq!((e.code(), e.status()), ("ValidationException", 400));
        assert!(e.message().contains("at 'resourceId'"));
        let w: WireError =
            AasError::no_target("ecs", "service/c/s", "ecs:service:DesiredCount").into();
        assert_eq!(w.code, "ObjectNotFoundException");
        assert!(w.message.contains("resource ID: service/c/s"));
    }
}
