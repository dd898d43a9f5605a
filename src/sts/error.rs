//! STS errors: one variant per AWS error code STS raises here, one match to code and status
//! (botocore `sts/2011-06-15`; request validation is the common `ValidationError`).

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum StsError {
    Validation(String),
    /// An operation of the model that local-ecs does not build, or no operation at all.
    InvalidAction(String),
}

pub type StsResult<T> = Result<T, StsError>;

impl StsError {
    pub fn code(&self) -> &'static str {
        match self {
            StsError::Validation(_) => "ValidationError",
            StsError::InvalidAction(_) => "InvalidAction",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            StsError::Validation(m) | StsError::InvalidAction(m) => m,
        }
    }

    pub fn missing(member: &str) -> Self {
        StsError::Validation(crate::wire::input::missing(member).0)
    }
}

impl From<crate::core::Invalid> for StsError {
    fn from(e: crate::core::Invalid) -> Self {
        StsError::Validation(e.0)
    }
}

impl From<StsError> for WireError {
    fn from(e: StsError) -> Self {
        WireError::new(e.code(), 400, e.message())
    }
}
