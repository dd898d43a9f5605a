//! The capacity arithmetic of scaling policies, pure and unit-tested: target tracking's
//! proportional rule, step scaling's intervals and adjustment types, and the clamp into
//! [min, max] with the not-scaled reason AWS reports when the clamp (or nothing) stops a change.
//! <https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-target-tracking.html>,
//! <https://docs.aws.amazon.com/autoscaling/application/userguide/application-auto-scaling-step-scaling-policies.html>.

use serde::Deserialize;

/// Target tracking after its AlarmHigh (`out`) or AlarmLow fired: capacity in proportion to
/// how far the metric is from the target, `ceil(current × value / target)`. Scale-out adds at
/// least one; scale-in is conservative (rounded up, so it removes less) and removes at least one.
/// Without a datapoint (an alarm set by hand), one step in the alarm's direction.
pub fn target_tracking(current: i64, value: Option<f64>, target: f64, out: bool) -> i64 {
    let proportional = match value {
        Some(v) if target > 0.0 && v.is_finite() => (current as f64 * v / target).ceil() as i64,
        _ if out => current + 1,
        _ => current - 1,
    };
    if out {
        proportional.max(current + 1)
    } else {
        proportional.min(current - 1)
    }
}

/// One step of a step-scaling policy, bounds relative to the alarm's threshold.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Step {
    pub metric_interval_lower_bound: Option<f64>,
    pub metric_interval_upper_bound: Option<f64>,
    pub scaling_adjustment: i64,
}

/// The step whose interval holds `value - threshold`. Above the threshold the lower bound is
/// inclusive and the upper exclusive, below it the reverse, as AWS defines them. Without a
/// datapoint the breach is taken to sit at the threshold itself.
pub fn pick_step(steps: &[Step], threshold: f64, value: Option<f64>) -> Option<Step> {
    let diff = value.map_or(0.0, |v| v - threshold);
    let above = |s: &&Step| {
        s.metric_interval_lower_bound.is_none_or(|l| diff >= l)
            && s.metric_interval_upper_bound.is_none_or(|u| diff < u)
    };
    let below = |s: &&Step| {
        s.metric_interval_lower_bound.is_none_or(|l| diff > l)
            && s.metric_interval_upper_bound.is_none_or(|u| diff <= u)
    };
    let found = if diff > 0.0 || (diff == 0.0 && value.is_some()) {
        steps.iter().find(above)
    } else if diff < 0.0 {
        steps.iter().find(below)
    } else {
        steps
            .iter()
            .find(above)
            .or_else(|| steps.iter().find(below))
    };
    found.copied()
}

/// The new capacity a step's adjustment asks for.
pub fn adjust(current: i64, kind: &str, adjustment: i64, min_magnitude: Option<i64>) -> i64 {
    match kind {
        "ExactCapacity" => adjustment,
        "PercentChangeInCapacity" => current + percent_delta(current, adjustment, min_magnitude),
        _ => current + adjustment,
    }
}

/// AWS's rounding of a percent change: a fraction between -1 and 1 becomes ±1, anything larger
/// is truncated toward zero; then at least MinAdjustmentMagnitude tasks.
fn percent_delta(current: i64, percent: i64, min_magnitude: Option<i64>) -> i64 {
    let exact = current as f64 * percent as f64 / 100.0;
    let mut delta = if exact != 0.0 && exact.abs() < 1.0 {
        exact.signum() as i64
    } else {
        exact.trunc() as i64
    };
    if let Some(m) = min_magnitude.filter(|m| *m > 0) {
        if delta != 0 && delta.abs() < m {
            delta = delta.signum() * m;
        }
    }
    delta
}

/// Why a wanted capacity was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotScaled {
    AtMax,
    AtMin,
    AtDesired,
}

/// `wanted` clamped into [min, max]; `Err` with the reason when nothing changes.
pub fn clamp(current: i64, wanted: i64, min: i64, max: i64) -> Result<i64, NotScaled> {
    let new = wanted.clamp(min, max.max(min));
    if new != current {
        return Ok(new);
    }
    Err(if wanted > current {
        NotScaled::AtMax
    } else if wanted < current {
        NotScaled::AtMin
    } else {
        NotScaled::AtDesired
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(lower: Option<f64>, upper: Option<f64>, adj: i64) -> Step {
        Step {
            metric_interval_lower_bound: lower,
            metric_interval_upper_bound: upper,
            scaling_adjustment: adj,
        }
    }

    #[test]
    fn target_tracking_is_proportional_and_conservative_inward() {
        assert_eq!(target_tracking(2, Some(90.0), 50.0, true), 4);
        assert_eq!(target_tracking(4, Some(51.0), 50.0, true), 5);
        assert_eq!(target_tracking(0, Some(90.0), 50.0, true), 1);
        assert_eq!(target_tracking(4, Some(10.0), 50.0, false), 1);
        assert_eq!(target_tracking(4, Some(44.0), 50.0, false), 3);
        assert_eq!(target_tracking(3, None, 50.0, true), 4);
        assert_eq!(target_tracking(3, None, 50.0, false), 2);
    }

    #[test]
    fn steps_are_picked_relative_to_the_threshold() {
        let steps = [
            step(Some(0.0), Some(10.0), 1),
            step(Some(10.0), None, 3),
            step(None, Some(0.0), -1),
        ];
        assert_eq!(
            pick_step(&steps, 50.0, Some(55.0))
                .unwrap()
                .scaling_adjustment,
            1
        );
        assert_eq!(
            pick_step(&steps, 50.0, Some(60.0))
                .unwrap()
                .scaling_adjustment,
            3
        );
        assert_eq!(
            pick_step(&steps, 50.0, Some(40.0))
                .unwrap()
                .scaling_adjustment,
            -1
        );
        assert_eq!(pick_step(&steps, 50.0, None).unwrap().scaling_adjustment, 1);
        assert_eq!(
            pick_step(&steps[2..], 50.0, None)
                .unwrap()
                .scaling_adjustment,
            -1
        );
    }

    #[test]
    fn adjustment_types_round_as_aws_does() {
        assert_eq!(adjust(4, "ChangeInCapacity", 2, None), 6);
        assert_eq!(adjust(4, "ExactCapacity", 7, None), 7);
        assert_eq!(adjust(10, "PercentChangeInCapacity", 25, None), 12);
        assert_eq!(adjust(2, "PercentChangeInCapacity", 10, None), 3);
        assert_eq!(adjust(10, "PercentChangeInCapacity", -25, None), 8);
        assert_eq!(adjust(10, "PercentChangeInCapacity", 10, Some(3)), 13);
    }

    #[test]
    fn clamping_says_why_nothing_changed() {
        assert_eq!(clamp(2, 5, 1, 4), Ok(4));
        assert_eq!(clamp(4, 6, 1, 4), Err(NotScaled::AtMax));
        assert_eq!(clamp(1, 0, 1, 4), Err(NotScaled::AtMin));
        assert_eq!(clamp(3, 3, 1, 4), Err(NotScaled::AtDesired));
        assert_eq!(clamp(6, 5, 1, 4), Ok(4));
    }
}
