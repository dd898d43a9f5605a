//! How a simulated container behaves once started, decided from its spec (see the module doc
//! of `simulated` for the user-facing rules).

use crate::runtime::{ContainerSpec, Health, HealthSpec};
use std::time::Duration;

pub(super) const EXIT_CODE: &str = "LOCAL_ECS_SIM_EXIT_CODE";
pub(super) const RUN_SECONDS: &str = "LOCAL_ECS_SIM_RUN_SECONDS";
pub(super) const HEALTH: &str = "LOCAL_ECS_SIM_HEALTH";
pub(super) const IGNORE_SIGTERM: &str = "LOCAL_ECS_SIM_IGNORE_SIGTERM";

/// How long a container that "just exits" runs.
pub(super) const QUICK_EXIT: Duration = Duration::from_millis(100);
/// When a health check settles if the spec has no start period.
pub(super) const HEALTH_SETTLE: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Behaviour {
    /// Exit by itself after this long with this code; `None` = run until stopped.
    pub exit: Option<(Duration, i64)>,
    /// Health reported from start (`Starting`), and what it settles to and when.
    pub health: Option<(Health, Duration)>,
    pub ignore_sigterm: bool,
}

impl Behaviour {
    /// Reads the knobs; a malformed knob is an error (the start fails with it, so a typo in
    /// an ECS override is visible instead of silently ignored).
    pub fn from_spec(spec: &ContainerSpec) -> Result<Behaviour, String> {
        let exit_code = knob(spec, EXIT_CODE)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| bad(EXIT_CODE, v, "an integer"))
            })
            .transpose()?;
        let run = knob(spec, RUN_SECONDS).map(parse_seconds).transpose()?;
        let exit = match (run, exit_code) {
            (None, None) => recognised_exit(spec),
            (run, code) => Some((run.unwrap_or(QUICK_EXIT), code.unwrap_or(0))),
        };
        let ignore_sigterm = match knob(spec, IGNORE_SIGTERM).map(str::to_ascii_lowercase) {
            None => false,
            Some(v) if v == "true" || v == "1" => true,
            Some(v) if v == "false" || v == "0" || v.is_empty() => false,
            Some(v) => return Err(bad(IGNORE_SIGTERM, &v, "true or false")),
        };
        let wanted = match knob(spec, HEALTH).map(str::to_ascii_lowercase).as_deref() {
            None => None,
            Some("healthy") => Some(Health::Healthy),
            Some("unhealthy") => Some(Health::Unhealthy),
            Some(other) => return Err(bad(HEALTH, other, "healthy or unhealthy")),
        };
        let health = spec.healthcheck.as_ref().and_then(|c| settling(c, wanted));
        Ok(Behaviour {
            exit,
            health,
            ignore_sigterm,
        })
    }
}

/// The last value wins, as with the engine's environment.
fn knob<'a>(spec: &'a ContainerSpec, name: &str) -> Option<&'a str> {
    spec.env
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
}

fn bad(name: &str, value: &str, expected: &str) -> String {
    format!("invalid {name}={value:?}: expected {expected}")
}

fn parse_seconds(value: &str) -> Result<Duration, String> {
    value
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .ok_or_else(|| bad(RUN_SECONDS, value, "a non-negative number of seconds"))
}

/// What the health check settles to and when: `None` when the check is disabled (`["NONE"]`).
fn settling(check: &HealthSpec, wanted: Option<Health>) -> Option<(Health, Duration)> {
    if check.test.first().map(String::as_str) == Some("NONE") {
        return None;
    }
    let target = wanted
        .or_else(|| literal_health(&check.test))
        .unwrap_or(Health::Healthy);
    let delay = match check.start_period_s {
        0 => HEALTH_SETTLE,
        s => Duration::from_secs(u64::from(s)),
    };
    Some((target, delay))
}

/// `["CMD-SHELL", "exit N"]` (or `true`/`false`) taken literally.
fn literal_health(test: &[String]) -> Option<Health> {
    match test {
        [kind, script] if kind == "CMD-SHELL" => match script_outcome(script)? {
            Outcome::Exit(0) => Some(Health::Healthy),
            Outcome::Exit(_) => Some(Health::Unhealthy),
            Outcome::Sleep(_) => None,
        },
        _ => None,
    }
}

enum Outcome {
    Exit(i64),
    Sleep(Duration),
}

/// The argv the engine would run (entrypoint then command), when it is one we recognise.
fn recognised_exit(spec: &ContainerSpec) -> Option<(Duration, i64)> {
    let argv: Vec<&str> = spec
        .entrypoint
        .iter()
        .flatten()
        .chain(spec.command.iter().flatten())
        .map(String::as_str)
        .collect();
    let outcome = match argv.as_slice() {
        ["sh" | "/bin/sh" | "bash" | "/bin/bash", "-c", script] => script_outcome(script)?,
        ["sleep" | "/bin/sleep", secs] => script_outcome(&format!("sleep {secs}"))?,
        [script] => script_outcome(script)?,
        _ => return None,
    };
    Some(match outcome {
        Outcome::Exit(code) => (QUICK_EXIT, code),
        Outcome::Sleep(d) => (d, 0),
    })
}

/// One of: `exit`, `exit N` (N taken modulo 256, as the shell does), `true`, `false`,
/// `sleep N` (N seconds, fractions allowed).
fn script_outcome(script: &str) -> Option<Outcome> {
    let words: Vec<&str> = script.split_whitespace().collect();
    match words.as_slice() {
        ["exit"] | ["true"] => Some(Outcome::Exit(0)),
        ["false"] => Some(Outcome::Exit(1)),
        ["exit", n] => n
            .parse::<i64>()
            .ok()
            .map(|n| Outcome::Exit(n.rem_euclid(256))),
        ["sleep", n] => parse_seconds(n).ok().map(Outcome::Sleep),
        _ => None,
    }
}
