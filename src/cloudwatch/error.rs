//! CloudWatch errors: one variant per AWS error code, one match to the wire code and status.
//! Codes are the `awsQueryError` codes of botocore's `cloudwatch/2010-08-01` error shapes (the
//! same word in the JSON `__type`, the CBOR `__type` and the Query `Code`).

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum CwError {
    InvalidParameterValue(String),
    MissingParameter(String),
    InvalidParameterCombination(String),
    InvalidNextToken(String),
    LimitExceeded(String),
    /// CloudWatch's common `ValidationError` (composite alarm rules and their children).
    Validation(String),
    /// `ResourceNotFound` or `ResourceNotFoundException`, as the operation models it.
    NotFound(&'static str, String),
    /// An operation of the model not built yet, answering a code from its own error list.
    Unbuilt(&'static str, String),
    UnknownOperation(String),
}

pub type CwResult<T> = Result<T, CwError>;

impl CwError {
    pub fn code(&self) -> &'static str {
        match self {
            CwError::InvalidParameterValue(_) => "InvalidParameterValue",
            CwError::MissingParameter(_) => "MissingParameter",
            CwError::InvalidParameterCombination(_) => "InvalidParameterCombination",
            CwError::InvalidNextToken(_) => "InvalidNextToken",
            CwError::LimitExceeded(_) => "LimitExceeded",
            CwError::Validation(_) => "ValidationError",
            CwError::NotFound(code, _) => code,
            CwError::Unbuilt(code, _) => code,
            CwError::UnknownOperation(_) => "InvalidAction",
        }
    }

    pub fn status(&self) -> u16 {
        match self.code() {
            "ResourceNotFound" | "ResourceNotFoundException" => 404,
            _ => 400,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            CwError::InvalidParameterValue(m)
            | CwError::MissingParameter(m)
            | CwError::InvalidParameterCombination(m)
            | CwError::InvalidNextToken(m)
            | CwError::LimitExceeded(m)
            | CwError::Validation(m)
            | CwError::NotFound(_, m)
            | CwError::Unbuilt(_, m)
            | CwError::UnknownOperation(m) => m,
        }
    }

    /// `The value X for parameter P is invalid.`, as CloudWatch words it.
    pub fn invalid_value(param: &str, value: impl std::fmt::Display) -> Self {
        CwError::InvalidParameterValue(format!(
            "The value {value} for parameter {param} is invalid."
        ))
    }

    /// `The parameter P is required.`
    pub fn missing(param: &str) -> Self {
        CwError::MissingParameter(format!("The parameter {param} is required."))
    }
}

impl From<CwError> for WireError {
    fn from(e: CwError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_messages() {
        let e = CwError::missing("Namespace");
        assert_eq!((e.code(), e.status()), ("MissingParameter", 400));
        assert_eq!(e.message(), "The parameter Namespace is required.");
        let w: WireError = CwError::Unbuilt("ResourceNotFound", "x".into()).into();
        assert_eq!((w.code.as_str(), w.status), ("ResourceNotFound", 404));
    }
}
