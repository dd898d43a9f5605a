//! IAM errors: one variant per AWS error code, one match to the wire code and status. Codes and
//! statuses from the service model's error shapes (botocore `iam/2010-05-08`); messages as IAM
//! words them.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum IamError {
    NoSuchEntity(String),
    EntityAlreadyExists(String),
    DeleteConflict(String),
    MalformedPolicyDocument(String),
    LimitExceeded(String),
    /// Request validation (the common `ValidationError`).
    Validation(String),
    InvalidInput(String),
    /// An operation of the model that local-ecs does not build, or no operation at all.
    InvalidAction(String),
}

pub type IamResult<T> = Result<T, IamError>;

impl IamError {
    pub fn code(&self) -> &'static str {
        match self {
            IamError::NoSuchEntity(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists(_) => "EntityAlreadyExists",
            IamError::DeleteConflict(_) => "DeleteConflict",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidInput(_) => "InvalidInput",
            IamError::InvalidAction(_) => "InvalidAction",
        }
    }

    /// The statuses of botocore's error shapes (`httpStatusCode`).
    pub fn status(&self) -> u16 {
        match self {
            IamError::NoSuchEntity(_) => 404,
            IamError::EntityAlreadyExists(_)
            | IamError::DeleteConflict(_)
            | IamError::LimitExceeded(_) => 409,
            _ => 400,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            IamError::NoSuchEntity(m)
            | IamError::EntityAlreadyExists(m)
            | IamError::DeleteConflict(m)
            | IamError::MalformedPolicyDocument(m)
            | IamError::LimitExceeded(m)
            | IamError::Validation(m)
            | IamError::InvalidInput(m)
            | IamError::InvalidAction(m) => m,
        }
    }

    /// `The role with name X cannot be found.` (and the same for policies, profiles…).
    pub fn no_such(kind: &str, name: &str) -> Self {
        IamError::NoSuchEntity(format!("The {kind} with name {name} cannot be found."))
    }

    pub fn exists(kind: &str, name: &str) -> Self {
        IamError::EntityAlreadyExists(format!("{kind} with name {name} already exists."))
    }

    pub fn missing(member: &str) -> Self {
        crate::wire::input::missing(member).into()
    }
}

impl From<crate::core::Invalid> for IamError {
    fn from(e: crate::core::Invalid) -> Self {
        IamError::Validation(e.0)
    }
}

impl From<IamError> for WireError {
    fn from(e: IamError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_statuses_follow_the_model() {
        let e = IamError::no_such("role", "r");
        assert_eq!((e.code(), e.status()), ("NoSuchEntity", 404));
        assert_eq!(e.message(), "The role with name r cannot be found.");
        assert_eq!(IamError::exists("Role", "r").status(), 409);
        assert_eq!(IamError::DeleteConflict("x".into()).status(), 409);
        assert_eq!(IamError::LimitExceeded("x".into()).status(), 409);
        let w: WireError = IamError::missing("RoleName").into();
        assert_eq!((w.code.as_str(), w.status), ("ValidationError", 400));
    }
}
