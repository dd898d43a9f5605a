//! Trimmed AWS service models and request validation driven by them. STUB: to be completed.

use serde_json::{Map, Value};

/// Why a request's input does not fit its operation's input shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationError {
    /// A member has the wrong JSON type (AWS answers `SerializationException`).
    Serialization(String),
    /// Required, enum, length or range constraints (coral's "N validation errors detected: ...").
    Constraint(String),
}

/// A service model: operations and shapes, facts only.
pub struct ServiceModel {
    operations: Vec<String>,
}

impl ServiceModel {
    /// The ECS model (2014-11-13).
    pub fn ecs() -> &'static ServiceModel {
        static M: std::sync::OnceLock<ServiceModel> = std::sync::OnceLock::new();
        M.get_or_init(|| ServiceModel {
            operations: Vec::new(),
        })
    }

    /// Operation names, sorted.
    pub fn operation_names(&self) -> impl Iterator<Item = &str> {
        self.operations.iter().map(String::as_str)
    }

    pub fn has_operation(&self, name: &str) -> bool {
        self.operations.iter().any(|o| o == name)
    }

    /// The error shapes the model lists for `operation`.
    pub fn operation_errors(&self, _operation: &str) -> Vec<&str> {
        Vec::new()
    }

    /// Checks `input` against `operation`'s input shape.
    pub fn validate_input(
        &self,
        _operation: &str,
        _input: &Map<String, Value>,
    ) -> Result<(), ValidationError> {
        Ok(())
    }
}
