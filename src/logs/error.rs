//! CloudWatch Logs errors: one variant per AWS error code, one match to the wire code and status.
//! Codes from botocore's `logs/2014-03-28` error shapes; messages as CloudWatch Logs words them.
//! Every fault local-ecs raises here is the caller's, with status 400.

use crate::wire::WireError;

#[derive(Debug, Clone, PartialEq)]
pub enum LogsError {
    ResourceNotFound(String),
    ResourceAlreadyExists(String),
    InvalidParameter(String),
    LimitExceeded(String),
    /// An operation AWS models with this error, answered while unbuilt.
    InvalidOperation(String),
    /// An unbuilt operation whose model lists only `ValidationException` for bad requests.
    Validation(String),
    /// A body that is not the operation's shape (a string where a number belongs).
    Serialization(String),
    UnknownOperation(String),
}

pub type LogsResult<T> = Result<T, LogsError>;

impl LogsError {
    pub fn code(&self) -> &'static str {
        match self {
            LogsError::ResourceNotFound(_) => "ResourceNotFoundException",
            LogsError::ResourceAlreadyExists(_) => "ResourceAlreadyExistsException",
            LogsError::InvalidParameter(_) => "InvalidParameterException",
            LogsError::LimitExceeded(_) => "LimitExceededException",
            LogsError::InvalidOperation(_) => "InvalidOperationException",
            LogsError::Validation(_) => "ValidationException",
            LogsError::Serialization(_) => "SerializationException",
            LogsError::UnknownOperation(_) => "UnknownOperationException",
        }
    }

    pub fn status(&self) -> u16 {
        400
    }

    pub fn message(&self) -> &str {
        match self {
            LogsError::ResourceNotFound(m)
            | LogsError::ResourceAlreadyExists(m)
            | LogsError::InvalidParameter(m)
            | LogsError::LimitExceeded(m)
            | LogsError::InvalidOperation(m)
            | LogsError::Validation(m)
            | LogsError::Serialization(m)
            | LogsError::UnknownOperation(m) => m,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        LogsError::InvalidParameter(message.into())
    }

    pub fn group_not_found() -> Self {
        LogsError::ResourceNotFound("The specified log group does not exist.".into())
    }

    pub fn stream_not_found() -> Self {
        LogsError::ResourceNotFound("The specified log stream does not exist.".into())
    }

    /// A required member is absent, in the words of AWS's request validation.
    pub fn missing(member: &str) -> Self {
        crate::wire::input::missing(member).into()
    }
}

impl From<crate::core::Invalid> for LogsError {
    fn from(e: crate::core::Invalid) -> Self {
        LogsError::InvalidParameter(e.0)
    }
}

impl From<LogsError> for WireError {
    fn from(e: LogsError) -> Self {
        WireError::new(e.code(), e.status(), e.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_statuses_and_messages() {
        let e = LogsError::missing("logGroupName");
        assert_eq!((e.code(), e.status()), ("InvalidParameterException", 400));
        assert!(e.message().contains("at 'logGroupName'"));
        let w: WireError = LogsError::group_not_found().into();
        assert_eq!(w.code, "ResourceNotFoundException");
        assert_eq!(w.message, "The specified log group does not exist.");
    }
}
