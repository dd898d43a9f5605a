//! AWS's own request-size limits, where ECS has them, checked before (or right after) decoding:
//! - RegisterTaskDefinition: a task definition is at most 65,536 bytes (ECS service quota);
//!   AWS answers `ClientException: Actual length: 'N'. Max allowed length is '65536' bytes.`
//!   The request body is what is measured here (the SDKs and CLI send it compact).
//! - RunTask and StartTask: `overrides` is at most 8,192 characters of JSON (API reference);
//!   AWS answers `InvalidParameterException: Container Overrides length must be at most 8192`.
//!
//! Every other request is bounded by the server's body limit (`server::MAX_BODY`).

use crate::wire::WireError;
use serde_json::{Map, Value};

const TASK_DEFINITION_MAX: usize = 65_536;
const OVERRIDES_MAX: usize = 8_192;

/// Checks the raw body of `operation`, before it is decoded.
pub fn check_body(operation: &str, body: &[u8]) -> Result<(), WireError> {
    if operation == "RegisterTaskDefinition" && body.len() > TASK_DEFINITION_MAX {
        return Err(WireError::new(
            "ClientException",
            400,
            format!(
                "Actual length: '{}'. Max allowed length is '{TASK_DEFINITION_MAX}' bytes.",
                body.len()
            ),
        ));
    }
    Ok(())
}

/// Checks the decoded input of `operation`.
pub fn check_input(operation: &str, input: &Map<String, Value>) -> Result<(), WireError> {
    if !matches!(operation, "RunTask" | "StartTask") {
        return Ok(());
    }
    let Some(overrides) = input.get("overrides") else {
        return Ok(());
    };
    let length = serde_json::to_string(overrides).map_or(0, |s| s.chars().count());
    if length > OVERRIDES_MAX {
        return Err(WireError::new(
            "InvalidParameterException",
            400,
            format!("Container Overrides length must be at most {OVERRIDES_MAX}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_limits() {
        assert!(check_body("RegisterTaskDefinition", &[b' '; 65_536]).is_ok());
        let err = check_body("RegisterTaskDefinition", &[b' '; 65_537]).unwrap_err();
        assert_eq!(
            err.message,
            "Actual length: '65537'. Max allowed length is '65536' bytes."
        );
        assert!(check_body("ListClusters", &[b' '; 65_537]).is_ok());
        let big = serde_json::json!({ "overrides": { "containerOverrides": [{ "name": "x".repeat(9000) }] } });
        let big = big.as_object().unwrap();
        assert_eq!(
            check_input("RunTask", big).unwrap_err().code,
            "InvalidParameterException"
        );
        assert!(check_input("CreateService", big).is_ok());
    }
}
