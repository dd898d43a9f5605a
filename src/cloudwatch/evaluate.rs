//! The pure evaluation of a metric alarm: given the statistic of each of its last
//! EvaluationPeriods periods (oldest first, `None` where no data), decides its state and writes
//! the StateReason and StateReasonData as CloudWatch does. M of N: the alarm goes to ALARM when
//! at least DatapointsToAlarm periods breach. TreatMissingData: `breaching` and `notBreaching`
//! fill empty periods; `missing` and `ignore` skip them, and with no datapoint at all the alarm
//! goes to INSUFFICIENT_DATA (`missing`) or keeps its state (`ignore`).

use crate::core::clock::iso8601;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Op {
    Ge,
    Gt,
    Lt,
    Le,
}

impl Op {
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "GreaterThanOrEqualToThreshold" => Op::Ge,
            "GreaterThanThreshold" => Op::Gt,
            "LessThanThreshold" => Op::Lt,
            "LessThanOrEqualToThreshold" => Op::Le,
            _ => return None,
        })
    }

    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Op::Ge => value >= threshold,
            Op::Gt => value > threshold,
            Op::Lt => value < threshold,
            Op::Le => value <= threshold,
        }
    }

    fn words(self) -> &'static str {
        match self {
            Op::Ge => "greater than or equal to",
            Op::Gt => "greater than",
            Op::Lt => "less than",
            Op::Le => "less than or equal to",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Missing {
    Missing,
    NotBreaching,
    Breaching,
    Ignore,
}

impl Missing {
    pub fn parse(text: &str) -> Option<Missing> {
        Some(match text {
            "missing" => Missing::Missing,
            "notBreaching" => Missing::NotBreaching,
            "breaching" => Missing::Breaching,
            "ignore" => Missing::Ignore,
            _ => return None,
        })
    }
}

/// What an alarm compares.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rule {
    pub op: Op,
    pub threshold: f64,
    pub datapoints_to_alarm: usize,
    pub missing: Missing,
    pub statistic: String,
    pub period: i64,
}

/// One period: its start, and its statistic and sample count when it has data.
pub type Period = (i64, Option<(f64, f64)>);

/// A new state with its reason and reason data.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub state: &'static str,
    pub reason: String,
    pub data: Value,
}

/// Decides the state from `periods` (oldest first); `None` keeps the current state.
pub fn decide(rule: &Rule, periods: &[Period], now: f64) -> Option<Decision> {
    let present: Vec<(i64, f64, f64)> = periods
        .iter()
        .filter_map(|(t, v)| v.map(|(value, count)| (*t, value, count)))
        .collect();
    let filled = matches!(rule.missing, Missing::Breaching | Missing::NotBreaching);
    if present.is_empty() && !filled {
        return match rule.missing {
            Missing::Ignore => None,
            _ => Some(insufficient(rule, periods, now)),
        };
    }
    let missing_breach = rule.missing == Missing::Breaching;
    let breaching = periods
        .iter()
        .filter(|(_, v)| match v {
            Some((value, _)) => rule.op.breaches(*value, rule.threshold),
            None => missing_breach,
        })
        .count();
    let state = if breaching >= rule.datapoints_to_alarm {
        "ALARM"
    } else {
        "OK"
    };
    let evaluated = if filled { periods.len() } else { present.len() };
    let reason = crossed(rule, state, breaching, evaluated, &present);
    Some(Decision {
        state,
        reason,
        data: reason_data(rule, periods, &present, now),
    })
}

fn insufficient(rule: &Rule, periods: &[Period], now: f64) -> Decision {
    let n = periods.len();
    let reason = if n == 1 {
        "Insufficient Data: 1 datapoint was unknown.".to_string()
    } else {
        format!("Insufficient Data: {n} datapoints were unknown.")
    };
    Decision {
        state: "INSUFFICIENT_DATA",
        reason,
        data: reason_data(rule, periods, &[], now),
    }
}

/// `Threshold Crossed: 1 datapoint [85.0 (06/12/26 04:30:00)] was greater than or equal to the
/// threshold (80.0).`, or for M of N `… 2 out of the last 3 datapoints [..] were …`.
fn crossed(
    rule: &Rule,
    state: &str,
    breaching: usize,
    evaluated: usize,
    present: &[(i64, f64, f64)],
) -> String {
    let shown: Vec<String> = present
        .iter()
        .rev()
        .map(|(t, v, _)| format!("{} ({})", number(*v), short_date(*t)))
        .collect();
    let not = if state == "OK" { "not " } else { "" };
    let words = rule.op.words();
    let threshold = number(rule.threshold);
    if evaluated == 1 && present.len() == 1 {
        return format!(
            "Threshold Crossed: 1 datapoint [{}] was {not}{words} the threshold ({threshold}).",
            shown[0]
        );
    }
    let count = if state == "OK" {
        evaluated - breaching.min(evaluated)
    } else {
        breaching
    };
    format!(
        "Threshold Crossed: {count} out of the last {evaluated} datapoints [{}] were {not}{words} \
         the threshold ({threshold}).",
        shown.join(", ")
    )
}

fn reason_data(rule: &Rule, periods: &[Period], present: &[(i64, f64, f64)], now: f64) -> Value {
    let start = periods.first().map(|(t, _)| *t).unwrap_or(now as i64);
    let evaluated: Vec<Value> = present
        .iter()
        .rev()
        .map(|(t, v, c)| json!({"timestamp": iso8601(*t as f64), "sampleCount": c, "value": v}))
        .collect();
    json!({
        "version": "1.0",
        "queryDate": iso8601(now),
        "startDate": iso8601(start as f64),
        "statistic": rule.statistic,
        "period": rule.period,
        "recentDatapoints": present.iter().map(|(_, v, _)| *v).collect::<Vec<f64>>(),
        "threshold": rule.threshold,
        "evaluatedDatapoints": evaluated,
    })
}

/// A value as CloudWatch prints it: always with a fraction (`85.0`).
pub fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.1}")
    } else {
        v.to_string()
    }
}

/// `dd/mm/yy HH:MM:SS`, as in CloudWatch's reasons.
fn short_date(t: i64) -> String {
    let iso = iso8601(t as f64); // 2026-12-06T04:30:00.000Z
    format!(
        "{}/{}/{} {}",
        &iso[8..10],
        &iso[5..7],
        &iso[2..4],
        &iso[11..19]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(op: Op, m: usize, missing: Missing) -> Rule {
        Rule {
            op,
            threshold: 80.0,
            datapoints_to_alarm: m,
            missing,
            statistic: "Average".into(),
            period: 60,
        }
    }

    fn periods(values: &[Option<f64>]) -> Vec<Period> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (1_796_531_400 + 60 * i as i64, v.map(|v| (v, 1.0))))
            .collect()
    }

    fn state(r: &Rule, values: &[Option<f64>]) -> Option<&'static str> {
        decide(r, &periods(values), 1_796_531_600.0).map(|d| d.state)
    }

    #[test]
    fn each_operator() {
        let m = Missing::Missing;
        assert_eq!(state(&rule(Op::Ge, 1, m), &[Some(80.0)]), Some("ALARM"));
        assert_eq!(state(&rule(Op::Gt, 1, m), &[Some(80.0)]), Some("OK"));
        assert_eq!(state(&rule(Op::Lt, 1, m), &[Some(79.0)]), Some("ALARM"));
        assert_eq!(state(&rule(Op::Lt, 1, m), &[Some(80.0)]), Some("OK"));
        assert_eq!(state(&rule(Op::Le, 1, m), &[Some(80.0)]), Some("ALARM"));
        assert_eq!(Op::parse("LessThanLowerThreshold"), None);
    }

    #[test]
    fn m_of_n() {
        let r = rule(Op::Ge, 2, Missing::Missing);
        assert_eq!(
            state(&r, &[Some(90.0), Some(1.0), Some(85.0)]),
            Some("ALARM")
        );
        assert_eq!(state(&r, &[Some(90.0), Some(1.0), Some(2.0)]), Some("OK"));
    }

    #[test]
    fn each_missing_treatment() {
        let none = [None, None];
        assert_eq!(
            state(&rule(Op::Ge, 1, Missing::Missing), &none),
            Some("INSUFFICIENT_DATA")
        );
        assert_eq!(state(&rule(Op::Ge, 1, Missing::Ignore), &none), None);
        assert_eq!(
            state(&rule(Op::Ge, 2, Missing::Breaching), &none),
            Some("ALARM")
        );
        assert_eq!(
            state(&rule(Op::Ge, 1, Missing::NotBreaching), &none),
            Some("OK")
        );
        let one = [None, Some(85.0)];
        assert_eq!(
            state(&rule(Op::Ge, 2, Missing::Breaching), &one),
            Some("ALARM")
        );
        assert_eq!(state(&rule(Op::Ge, 2, Missing::Missing), &one), Some("OK"));
    }

    #[test]
    fn reason_and_data_as_cloudwatch_writes_them() {
        let d = decide(
            &rule(Op::Ge, 1, Missing::Missing),
            &periods(&[Some(85.0)]),
            1_796_531_460.0,
        )
        .unwrap();
        assert_eq!(
            d.reason,
            "Threshold Crossed: 1 datapoint [85.0 (06/12/26 04:30:00)] was greater than or \
             equal to the threshold (80.0)."
        );
        assert_eq!(d.data["recentDatapoints"], json!([85.0]));
        assert_eq!(d.data["evaluatedDatapoints"][0]["value"], json!(85.0));
        assert_eq!(d.data["period"], json!(60));
        let ok = decide(
            &rule(Op::Ge, 1, Missing::Missing),
            &periods(&[Some(10.0), Some(20.0)]),
            1_796_531_600.0,
        )
        .unwrap();
        assert!(
            ok.reason.contains("2 out of the last 2 datapoints"),
            "{}",
            ok.reason
        );
        assert!(ok.reason.contains("were not greater"), "{}", ok.reason);
    }
}
