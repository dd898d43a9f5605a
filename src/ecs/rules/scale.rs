//! A task set's scale: a percentage (0–100) of the service's desired count, and the task
//! count it computes to.

use crate::ecs::state::service::Scale;
use crate::ecs::{EcsError, EcsResult};

/// The scale in PERCENT, its value between 0 and 100 (`default` when it has none, else an
/// error).
pub fn checked_scale(given: Option<Scale>, default: Option<f64>) -> EcsResult<Scale> {
    let given = given.unwrap_or_default();
    let value = given
        .value
        .or(default)
        .ok_or_else(|| EcsError::invalid("scale.value must be specified."))?;
    if !(0.0..=100.0).contains(&value) {
        return Err(EcsError::invalid(
            "scale.value must be between 0 and 100 (PERCENT).",
        ));
    }
    Ok(Scale {
        value: Some(value),
        unit: Some(given.unit.unwrap_or_else(|| "PERCENT".into())),
    })
}

/// `ceil(desiredCount × scale / 100)`, tolerant of floating-point noise (10 × 30% is 3).
pub fn computed_count(desired: i32, scale: &Scale) -> i32 {
    let pct = scale.value.unwrap_or(100.0);
    let exact = f64::from(desired.max(0)) * pct / 100.0;
    (exact - 1e-9).ceil().max(0.0) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(v: f64) -> Scale {
        Scale {
            value: Some(v),
            unit: Some("PERCENT".into()),
        }
    }

    #[test]
    fn computed_desired_count_rounds_up() {
        assert_eq!(computed_count(4, &pct(100.0)), 4);
        assert_eq!(computed_count(3, &pct(50.0)), 2);
        assert_eq!(computed_count(10, &pct(30.0)), 3);
        assert_eq!(computed_count(10, &pct(0.1)), 1);
        assert_eq!(computed_count(5, &pct(0.0)), 0);
        assert_eq!(computed_count(0, &pct(100.0)), 0);
    }

    #[test]
    fn scale_defaults_and_limits() {
        let s = checked_scale(None, Some(100.0)).unwrap();
        assert_eq!(s, pct(100.0));
        assert!(checked_scale(Some(pct(100.5)), None).is_err());
        assert!(checked_scale(Some(pct(-1.0)), None).is_err());
        assert!(checked_scale(Some(Scale::default()), None).is_err());
    }
}
