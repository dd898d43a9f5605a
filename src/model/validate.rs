//! Validation of a request's JSON input against an input shape, as AWS's coral-based JSON 1.1
//! services do it: type mismatches stop at once (SerializationException); constraint failures
//! (required, enum, length, range) are collected and reported together in coral's phrasing.

use std::fmt::{self, Write};

use serde_json::{Map, Value};

use super::load::{Kind, Member, Shape, ShapeId};
use super::render::render;
use super::ValidationError;

/// Coral lists at most this many constraint failures; the count still covers them all.
const MAX_LISTED: usize = 10;

/// Checks `input` against the structure shape `root`.
pub(crate) fn validate(
    shapes: &[Shape],
    root: ShapeId,
    input: &Map<String, Value>,
) -> Result<(), ValidationError> {
    let mut v = Validator {
        shapes,
        path: String::new(),
        listed: Vec::new(),
        count: 0,
    };
    match &v.shape(root).kind {
        Kind::Structure(members) => v.structure(members, input)?,
        Kind::Document => {}
        _ => {
            return Err(ValidationError::Serialization(
                "Start of structure or map found where not expected".into(),
            ))
        }
    }
    v.finish()
}

struct Validator<'m> {
    shapes: &'m [Shape],
    /// Dotted path of the value being checked (`tags.1.member.key`).
    path: String,
    listed: Vec<String>,
    count: usize,
}

impl<'m> Validator<'m> {
    fn shape(&self, id: ShapeId) -> &'m Shape {
        &self.shapes[id as usize]
    }

    fn finish(self) -> Result<(), ValidationError> {
        if self.count == 0 {
            return Ok(());
        }
        let noun = if self.count == 1 { "error" } else { "errors" };
        Err(ValidationError::Constraint(format!(
            "{} validation {noun} detected: {}",
            self.count,
            self.listed.join("; ")
        )))
    }

    fn fail(&mut self, value: Option<&Value>, constraint: &str) {
        self.count += 1;
        if self.listed.len() < MAX_LISTED {
            let shown = value.map_or_else(|| "null".to_string(), |v| format!("'{}'", render(v)));
            self.listed.push(format!(
                "Value {shown} at '{}' failed to satisfy constraint: {constraint}",
                self.path
            ));
        }
    }

    fn serialization(&self, message: &str) -> ValidationError {
        if self.path.is_empty() {
            return ValidationError::Serialization(message.to_string());
        }
        ValidationError::Serialization(format!("{message} at '{}'", self.path))
    }

    /// Runs `f` with `segment` appended to the path (written in place: no allocation).
    fn nested<R>(&mut self, segment: impl fmt::Display, f: impl FnOnce(&mut Self) -> R) -> R {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        // Writing to a String cannot fail.
        let _ = write!(self.path, "{segment}");
        let result = f(self);
        self.path.truncate(len);
        result
    }

    fn structure(
        &mut self,
        members: &[Member],
        input: &Map<String, Value>,
    ) -> Result<(), ValidationError> {
        // Model members only: unknown input members are ignored, for forward compatibility.
        for member in members {
            match input.get(&*member.name).filter(|v| !v.is_null()) {
                Some(value) => self.nested(&*member.name, |v| v.value(member.shape, value))?,
                None if member.required => {
                    self.nested(&*member.name, |v| v.fail(None, "Member must not be null"))
                }
                None => {}
            }
        }
        Ok(())
    }

    fn value(&mut self, id: ShapeId, value: &Value) -> Result<(), ValidationError> {
        let shape = self.shape(id);
        match (&shape.kind, value) {
            (_, Value::Null) | (Kind::Document, _) => Ok(()),
            (Kind::Structure(members), Value::Object(obj)) => self.structure(members, obj),
            (Kind::List(member), Value::Array(items)) => {
                self.check_length(shape, items.len(), value);
                self.list(*member, items, value)
            }
            (Kind::Map { key, value: val }, Value::Object(obj)) => {
                self.check_length(shape, obj.len(), value);
                self.map(*key, *val, obj, value)
            }
            // Scalars, and containers where the model wants something else.
            (kind, scalar) => {
                if let Some(message) = scalar_type_error(kind, scalar) {
                    return Err(self.serialization(&message));
                }
                let mut failures = Vec::new();
                scalar_constraints(shape, scalar, &mut failures);
                failures.iter().for_each(|c| self.fail(Some(scalar), c));
                Ok(())
            }
        }
    }

    fn list(
        &mut self,
        member: ShapeId,
        items: &[Value],
        whole: &Value,
    ) -> Result<(), ValidationError> {
        if is_scalar(&self.shape(member).kind) {
            // Coral reports element constraint failures once, on the list itself.
            let failures =
                self.scalar_elements(member, items.iter(), |i| format!("{}.member", i + 1))?;
            self.fail_elements(whole, "Member must satisfy constraint", &failures);
            return Ok(());
        }
        for (i, item) in items.iter().enumerate() {
            self.nested(format_args!("{}.member", i + 1), |v| v.value(member, item))?;
        }
        Ok(())
    }

    fn map(
        &mut self,
        key: ShapeId,
        value: ShapeId,
        obj: &Map<String, Value>,
        whole: &Value,
    ) -> Result<(), ValidationError> {
        let key_shape = self.shape(key);
        if key_shape.min.is_some()
            || key_shape.max.is_some()
            || matches!(key_shape.kind, Kind::String(Some(_)))
        {
            let keys: Vec<Value> = obj.keys().map(|k| Value::String(k.clone())).collect();
            let failures = self.scalar_elements(key, keys.iter(), |_| String::new())?;
            self.fail_elements(whole, "Map keys must satisfy constraint", &failures);
        }
        if is_scalar(&self.shape(value).kind) {
            let label = |i: usize| obj.keys().nth(i).cloned().unwrap_or_default();
            let failures = self.scalar_elements(value, obj.values(), label)?;
            self.fail_elements(whole, "Map value must satisfy constraint", &failures);
            return Ok(());
        }
        for (k, v) in obj {
            self.nested(k, |this| this.value(value, v))?;
        }
        Ok(())
    }

    /// Type-checks scalar elements and gathers their distinct constraint failures. `label`
    /// names element `i` in a type error's path (computed only on error).
    fn scalar_elements<'v>(
        &mut self,
        id: ShapeId,
        elements: impl Iterator<Item = &'v Value>,
        label: impl Fn(usize) -> String,
    ) -> Result<Vec<String>, ValidationError> {
        let shape = self.shape(id);
        let mut failures = Vec::new();
        for (i, element) in elements.enumerate().filter(|(_, v)| !v.is_null()) {
            if let Some(message) = scalar_type_error(&shape.kind, element) {
                let label = label(i);
                if label.is_empty() {
                    return Err(self.serialization(&message));
                }
                return Err(self.nested(label, |v| v.serialization(&message)));
            }
            let mut found = Vec::new();
            scalar_constraints(shape, element, &mut found);
            for failure in found {
                if !failures.contains(&failure) {
                    failures.push(failure);
                }
            }
        }
        Ok(failures)
    }

    fn fail_elements(&mut self, whole: &Value, prefix: &str, failures: &[String]) {
        if !failures.is_empty() {
            self.fail(Some(whole), &format!("{prefix}: [{}]", failures.join(", ")));
        }
    }

    fn check_length(&mut self, shape: &Shape, len: usize, value: &Value) {
        let len = len as f64;
        if let Some(min) = shape.min.filter(|m| len < *m) {
            self.fail(
                Some(value),
                &format!(
                    "Member must have length greater than or equal to {}",
                    bound(min)
                ),
            );
        }
        if let Some(max) = shape.max.filter(|m| len > *m) {
            self.fail(
                Some(value),
                &format!(
                    "Member must have length less than or equal to {}",
                    bound(max)
                ),
            );
        }
    }
}

/// Why a scalar JSON value cannot be read as `kind`, in coral's words; `None` if it can.
fn scalar_type_error(kind: &Kind, value: &Value) -> Option<String> {
    let ok = match (kind, value) {
        (Kind::Document, _)
        | (Kind::String(_), Value::String(_))
        | (Kind::Boolean, Value::Bool(_)) => true,
        (Kind::Integer, Value::Number(n)) => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        (Kind::Long, Value::Number(n)) => n.as_i64().is_some(),
        (Kind::Float | Kind::Double | Kind::Timestamp, Value::Number(_)) => true,
        (Kind::Timestamp, Value::String(s)) => looks_like_iso8601(s),
        (Kind::Blob, Value::String(s)) => is_base64(s),
        (_, Value::Object(_)) => {
            return Some("Start of structure or map found where not expected".into())
        }
        (_, Value::Array(_)) => return Some("Start of list found where not expected".into()),
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "{} can not be converted to {}",
            token(value),
            type_name(kind)
        )
    })
}

/// Enum and min/max failures of a type-correct scalar, in coral's words.
fn scalar_constraints(shape: &Shape, value: &Value, out: &mut Vec<String>) {
    let (measure, what) = match value {
        Value::String(s) => (s.encode_utf16().count() as f64, "length"),
        Value::Number(n) => (n.as_f64().unwrap_or(0.0), "value"),
        _ => return,
    };
    if let Some(min) = shape.min.filter(|m| measure < *m) {
        out.push(format!(
            "Member must have {what} greater than or equal to {}",
            bound(min)
        ));
    }
    if let Some(max) = shape.max.filter(|m| measure > *m) {
        out.push(format!(
            "Member must have {what} less than or equal to {}",
            bound(max)
        ));
    }
    if let (Kind::String(Some(allowed)), Value::String(s)) = (&shape.kind, value) {
        if !allowed.iter().any(|a| **a == **s) {
            out.push(format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
        }
    }
}

fn is_scalar(kind: &Kind) -> bool {
    !matches!(
        kind,
        Kind::Structure(_) | Kind::Document | Kind::List(_) | Kind::Map { .. }
    )
}

fn bound(b: f64) -> String {
    if b.fract() == 0.0 && b.abs() < 1e15 {
        format!("{}", b as i64)
    } else {
        b.to_string()
    }
}

fn token(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "STRING_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::Bool(_) => "BOOLEAN_VALUE",
        _ => "VALUE",
    }
}

fn type_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Structure(_) | Kind::Document => "a Structure",
        Kind::List(_) => "a List",
        Kind::Map { .. } => "a Map",
        Kind::String(_) => "a String",
        Kind::Integer => "an Integer",
        Kind::Long => "a Long",
        Kind::Float => "a Float",
        Kind::Double => "a Double",
        Kind::Boolean => "a Boolean",
        Kind::Timestamp => "a Timestamp",
        Kind::Blob => "a Blob",
    }
}

/// `YYYY-MM-DD`, optionally followed by a time part: enough to tell a date from junk.
fn looks_like_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

fn is_base64(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    s.len() % 4 == 0
        && s.len() - body.len() <= 2
        && body
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}
