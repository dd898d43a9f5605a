//! A composite alarm's actions suppressor (PutCompositeAlarm's `ActionsSuppressor`, with
//! `ActionsSuppressorWaitPeriod` and `ActionsSuppressorExtensionPeriod`): while the suppressor
//! alarm is in ALARM the composite's actions are suppressed; when the composite changes state
//! while the suppressor is not in ALARM, its actions wait up to the wait period for the
//! suppressor to go into ALARM (then they are suppressed) and run once it is over; for the
//! extension period after the suppressor leaves ALARM they stay suppressed
//! (<https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-suppression.html>).

use super::composite::{state_of, Composite};
use super::state::RegionState;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Why a composite's actions are held back now: DescribeAlarms' `ActionsSuppressedBy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuppressedBy {
    None,
    WaitPeriod,
    ExtensionPeriod,
    Alarm,
}

impl SuppressedBy {
    pub fn name(self) -> &'static str {
        match self {
            SuppressedBy::None => "None",
            SuppressedBy::WaitPeriod => "WaitPeriod",
            SuppressedBy::ExtensionPeriod => "ExtensionPeriod",
            SuppressedBy::Alarm => "Alarm",
        }
    }

    /// `ActionsSuppressedReason`, when suppressed.
    pub fn reason(self) -> Option<&'static str> {
        match self {
            SuppressedBy::None => None,
            SuppressedBy::WaitPeriod => {
                Some("Actions wait for the suppressor alarm to go into ALARM state")
            }
            SuppressedBy::ExtensionPeriod => {
                Some("The suppressor alarm left ALARM state within the extension period")
            }
            SuppressedBy::Alarm => Some("Alarm is in ALARM state"),
        }
    }
}

/// What the suppressor's periods leave to do, stored with the composite.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// The actions of this state wait for the suppressor until then (emulated seconds).
    #[serde(default)]
    pub waiting: Option<(String, f64)>,
    /// Whether the suppressor was in ALARM at the last pass.
    #[serde(default)]
    pub suppressor_in_alarm: bool,
    /// The suppressor left ALARM: actions stay suppressed until then.
    #[serde(default)]
    pub extended_until: Option<f64>,
}

fn period(c: &Composite, member: &str) -> f64 {
    c.config.get(member).and_then(Value::as_f64).unwrap_or(0.0)
}

fn in_alarm(st: &RegionState, c: &Composite) -> bool {
    c.suppressor()
        .is_some_and(|s| state_of(st, s).as_deref() == Some("ALARM"))
}

/// Why `c`'s actions are held back at `now`.
pub fn suppressed_by(st: &RegionState, c: &Composite, now: f64) -> SuppressedBy {
    if c.suppressor().is_none() {
        return SuppressedBy::None;
    }
    if in_alarm(st, c) {
        SuppressedBy::Alarm
    } else if c.suppression.extended_until.is_some_and(|t| now < t) {
        SuppressedBy::ExtensionPeriod
    } else if c.suppression.waiting.is_some() {
        SuppressedBy::WaitPeriod
    } else {
        SuppressedBy::None
    }
}

/// What a change of `c`'s state does with its actions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OnChange {
    /// They run now.
    Run,
    /// They wait for the suppressor until then.
    Wait(f64),
    Suppressed,
}

pub fn on_change(st: &RegionState, c: &Composite, now: f64) -> OnChange {
    match suppressed_by(st, c, now) {
        SuppressedBy::Alarm | SuppressedBy::ExtensionPeriod => OnChange::Suppressed,
        _ if c.suppressor().is_some() && period(c, "ActionsSuppressorWaitPeriod") > 0.0 => {
            OnChange::Wait(now + period(c, "ActionsSuppressorWaitPeriod"))
        }
        _ => OnChange::Run,
    }
}

/// A pass's look at composite `name`'s suppressor, before the composite is evaluated: the
/// suppressor leaving ALARM starts the extension period; a wait ends suppressed when the
/// suppressor went into ALARM, or with the waiting state's actions once it is over (answered,
/// for the caller to run). True when the stored bookkeeping changed.
pub fn follow(st: &mut RegionState, name: &str, now: f64) -> (Vec<String>, bool) {
    let Some(c) = st.composites.get(name) else {
        return (Vec::new(), false);
    };
    if c.suppressor().is_none() {
        return (Vec::new(), false);
    }
    let alarm = in_alarm(st, c);
    let extension = period(c, "ActionsSuppressorExtensionPeriod");
    let before = c.suppression.clone();
    let Some(c) = st.composites.get_mut(name) else {
        return (Vec::new(), false);
    };
    let s = &mut c.suppression;
    if s.suppressor_in_alarm && !alarm && extension > 0.0 {
        s.extended_until = Some(now + extension);
    }
    s.suppressor_in_alarm = alarm;
    let mut due = Vec::new();
    if let Some((state, until)) = s.waiting.clone() {
        if alarm || state != c.state {
            s.waiting = None;
        } else if now >= until {
            s.waiting = None;
            due = c.actions(&state);
        }
    }
    let changed = c.suppression != before;
    (due, changed)
}

#[cfg(test)]
#[path = "suppress_tests.rs"]
mod tests;
