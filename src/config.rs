//! Configuration: command-line flags first, then `LOCAL_ECS_*` environment variables, then defaults.
//! Every setting has one flag and one variable, applied by one function ([`set`]).

use std::time::Duration;

pub const USAGE: &str = "\
usage: local-ecs [--host HOST] [--port PORT] [--runtime auto|docker|simulated] [--owner ID]
                 [--task-retention SECONDS] [--time-scale N] [--cors-allowed-origins LIST]
                 [--header-read-timeout S] [--idle-timeout S] [--body-read-timeout S]
                 [--max-connections N] [--listener-host ADDR] [--inject-endpoint-url BOOL]
                 [--init FILE] [--state-dir DIR] [--stop-tasks-on-exit BOOL]
                 [--list-operations]

  --host HOST          address to listen on (env LOCAL_ECS_HOST, default 127.0.0.1)
  --port PORT          port to listen on (env LOCAL_ECS_PORT, default 4566)
  --runtime KIND       where tasks run (env LOCAL_ECS_RUNTIME, default auto: Docker when the
                       engine answers, else simulated); Docker is found through DOCKER_HOST
  --owner ID           owner label of the containers this server creates and cleans up
                       (env LOCAL_ECS_OWNER, default port-<PORT>)
  --task-retention S   seconds a stopped task stays describable before it and its containers
                       are removed (env LOCAL_ECS_TASK_RETENTION, default 3600)
  --time-scale N       emulated time passes N times faster than the wall clock: grace periods,
                       deployment settle time, retention, the scheduler's tick (env
                       LOCAL_ECS_TIME_SCALE, default 1); timestamps in answers follow it
  --cors-allowed-origins LIST
                       comma-separated origins (e.g. http://localhost:3000, or *) whose browser
                       requests are accepted besides the server's own (env
                       LOCAL_ECS_CORS_ALLOWED_ORIGINS, default none)
  --header-read-timeout S
                       seconds a client may take to send a request's headers (env
                       LOCAL_ECS_HEADER_READ_TIMEOUT, default 10)
  --idle-timeout S     seconds an idle keep-alive connection is kept open (env
                       LOCAL_ECS_IDLE_TIMEOUT, default 60)
  --body-read-timeout S
                       seconds a client may take to send a request's body (env
                       LOCAL_ECS_BODY_READ_TIMEOUT, default 30)
  --max-connections N  connections served at once; more get a 503 (env
                       LOCAL_ECS_MAX_CONNECTIONS, default 512)
  --listener-host ADDR where ELBv2 listeners bind their ports (env LOCAL_ECS_LISTENER_HOST,
                       default 127.0.0.1; 0.0.0.0 to reach them from other machines or containers)
  --inject-endpoint-url BOOL
                       set AWS_ENDPOINT_URL=http://169.254.170.2 in task containers, where
                       local-ecs answers AWS requests too, so SDK code in a task reaches it
                       unchanged (env LOCAL_ECS_INJECT_ENDPOINT_URL, default false; Docker)
  --init FILE          create what FILE declares (JSON or YAML: clusters, task definitions,
                       services, instances, load balancers, log groups, roles, scaling) before
                       serving; any error names the entry and nothing of the file is kept, and
                       local-ecs exits (env LOCAL_ECS_INIT; fixtures/web-service.yaml)
  --state-dir DIR      keep state in DIR (created if missing): every answered change is on disk
                       before its answer, and a restart loads it and re-adopts the task
                       containers still running (env LOCAL_ECS_STATE_DIR, default none: state
                       lives in memory only)
  --stop-tasks-on-exit BOOL
                       with --state-dir, stop and remove task containers on a graceful stop
                       instead of leaving them running for the next start to adopt (env
                       LOCAL_ECS_STOP_TASKS_ON_EXIT, default false; without --state-dir they
                       are always removed)
  --list-operations    print the supported-operations table (Markdown) and exit
  -h, --help           print this help and exit

Logging follows RUST_LOG (default: info).";

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
    pub runtime: RuntimeChoice,
    /// Owner label value; `None` means `port-<port>`.
    pub owner: Option<String>,
    pub task_retention: Duration,
    /// How much faster than the wall clock emulated time passes (see `core::clock`).
    pub time_scale: f64,
    /// Browser origins allowed besides the server's own; `*` allows any.
    pub cors_allowed_origins: Vec<String>,
    pub limits: Limits,
    /// The address ELBv2 listeners bind.
    pub listener_host: std::net::IpAddr,
    /// Whether task containers get `AWS_ENDPOINT_URL` pointing at local-ecs (through the task
    /// endpoints address).
    pub inject_endpoint_url: bool,
    /// A seed file applied at start (`--init`).
    pub init: Option<std::path::PathBuf>,
    /// Where state is kept across restarts (`--state-dir`); `None`: in memory only.
    pub state_dir: Option<std::path::PathBuf>,
    /// With a state dir, whether a graceful stop still stops and removes task containers.
    pub stop_tasks_on_exit: bool,
}

/// Bounds on what one client can hold of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a request's first byte to the end of its headers.
    pub header_read_timeout: Duration,
    /// An open keep-alive connection with no request on it.
    pub idle_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub body_read_timeout: Duration,
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 512,
        }
    }
}

pub use crate::runtime::RuntimeChoice;

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 4566,
            runtime: RuntimeChoice::Auto,
            owner: None,
            task_retention: Duration::from_secs(3600),
            time_scale: 1.0,
            cors_allowed_origins: Vec::new(),
            limits: Limits::default(),
            listener_host: std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            inject_endpoint_url: false,
            init: None,
            state_dir: None,
            stop_tasks_on_exit: false,
        }
    }
}

impl Config {
    /// The owner label value of this server's containers.
    pub fn owner(&self) -> String {
        self.owner
            .clone()
            .unwrap_or_else(|| format!("port-{}", self.port))
    }
}

/// Each setting's flag and environment variable.
const SETTINGS: [(&str, &str); 16] = [
    ("--host", "LOCAL_ECS_HOST"),
    ("--port", "LOCAL_ECS_PORT"),
    ("--runtime", "LOCAL_ECS_RUNTIME"),
    ("--owner", "LOCAL_ECS_OWNER"),
    ("--task-retention", "LOCAL_ECS_TASK_RETENTION"),
    ("--time-scale", "LOCAL_ECS_TIME_SCALE"),
    ("--cors-allowed-origins", "LOCAL_ECS_CORS_ALLOWED_ORIGINS"),
    ("--header-read-timeout", "LOCAL_ECS_HEADER_READ_TIMEOUT"),
    ("--idle-timeout", "LOCAL_ECS_IDLE_TIMEOUT"),
    ("--body-read-timeout", "LOCAL_ECS_BODY_READ_TIMEOUT"),
    ("--max-connections", "LOCAL_ECS_MAX_CONNECTIONS"),
    ("--listener-host", "LOCAL_ECS_LISTENER_HOST"),
    ("--inject-endpoint-url", "LOCAL_ECS_INJECT_ENDPOINT_URL"),
    ("--init", "LOCAL_ECS_INIT"),
    ("--state-dir", "LOCAL_ECS_STATE_DIR"),
    ("--stop-tasks-on-exit", "LOCAL_ECS_STOP_TASKS_ON_EXIT"),
];

impl Config {
    /// Reads flags (`args`, without the program name) and environment (`env`). `Ok(None)` means an
    /// informational flag was handled and the program should exit.
    pub fn from_args<I, E>(args: I, env: E) -> Result<Option<Config>, String>
    where
        I: IntoIterator<Item = String>,
        E: Fn(&str) -> Option<String>,
    {
        let mut config = Config::default();
        for (flag, var) in SETTINGS {
            if let Some(v) = env(var).filter(|v| !v.is_empty()) {
                set(&mut config, flag, &v)?;
            }
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            match flag.as_str() {
                "--list-operations" => {
                    print!("{}", crate::operations_table());
                    return Ok(None);
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                f if SETTINGS.iter().any(|(known, _)| *known == f) => {
                    let value = inline
                        .or_else(|| args.next())
                        .ok_or(format!("{flag} needs a value"))?;
                    set(&mut config, f, &value)?;
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(Some(config))
    }
}

/// Applies one setting, named by its flag.
fn set(config: &mut Config, flag: &str, value: &str) -> Result<(), String> {
    let limits = &mut config.limits;
    match flag {
        "--host" => config.host = value.to_string(),
        "--port" => config.port = parse_port(value)?,
        "--runtime" => config.runtime = parse_runtime(value)?,
        "--owner" => config.owner = Some(value.to_string()),
        "--task-retention" => config.task_retention = parse_seconds(value)?,
        "--time-scale" => config.time_scale = parse_scale(value)?,
        "--cors-allowed-origins" => config.cors_allowed_origins = parse_origins(value),
        "--header-read-timeout" => limits.header_read_timeout = parse_positive_seconds(value)?,
        "--idle-timeout" => limits.idle_timeout = parse_positive_seconds(value)?,
        "--body-read-timeout" => limits.body_read_timeout = parse_positive_seconds(value)?,
        "--max-connections" => limits.max_connections = parse_count(value)?,
        "--inject-endpoint-url" => config.inject_endpoint_url = parse_bool(flag, value)?,
        "--stop-tasks-on-exit" => config.stop_tasks_on_exit = parse_bool(flag, value)?,
        "--init" => config.init = Some(value.into()),
        "--state-dir" => config.state_dir = Some(value.into()),
        "--listener-host" => {
            config.listener_host = value.parse().map_err(|_| {
                format!("invalid listener address {value:?}: expected an IP address")
            })?
        }
        other => return Err(format!("unknown argument {other}")),
    }
    Ok(())
}

fn parse_bool(flag: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err(format!("invalid value {value:?} for {flag}: true or false")),
    }
}

/// Origins as browsers send them: scheme://host[:port], no trailing slash, compared as text.
fn parse_origins(s: &str) -> Vec<String> {
    s.split(',')
        .map(|o| o.trim().trim_end_matches('/').to_string())
        .filter(|o| !o.is_empty())
        .collect()
}

fn parse_count(s: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(format!("invalid count {s:?}: expected a positive integer"))
}

fn parse_positive_seconds(s: &str) -> Result<Duration, String> {
    parse_seconds(s).and_then(|d| {
        if d.is_zero() {
            Err(format!("invalid number of seconds {s:?}: must be above 0"))
        } else {
            Ok(d)
        }
    })
}
fn parse_runtime(s: &str) -> Result<RuntimeChoice, String> {
    match s {
        "auto" => Ok(RuntimeChoice::Auto),
        "docker" => Ok(RuntimeChoice::Docker),
        "simulated" => Ok(RuntimeChoice::Simulated),
        _ => Err(format!(
            "invalid runtime {s:?}: expected auto, docker or simulated"
        )),
    }
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or(format!("invalid number of seconds {s:?}"))
}

fn parse_scale(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v > 0.0 && *v <= 10_000.0)
        .ok_or(format!(
            "invalid time scale {s:?}: a number above 0, at most 10000"
        ))
}

fn parse_port(s: &str) -> Result<u16, String> {
    s.parse().map_err(|_| format!("invalid port {s:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Option<Config>, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_args(args.iter().map(|s| s.to_string()), move |k| {
            env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_env_and_flags() {
        let c = parse(&[], &[]).unwrap().unwrap();
        assert_eq!((c.host.as_str(), c.port), ("127.0.0.1", 4566));
        let c = parse(
            &[],
            &[("LOCAL_ECS_PORT", "5000"), ("LOCAL_ECS_HOST", "0.0.0.0")],
        )
        .unwrap()
        .unwrap();
        assert_eq!((c.host.as_str(), c.port), ("0.0.0.0", 5000));
        let c = parse(
            &["--port", "6000", "--host=::1"],
            &[("LOCAL_ECS_PORT", "5000")],
        )
        .unwrap()
        .unwrap();
        assert_eq!((c.host.as_str(), c.port), ("::1", 6000));
        assert!(parse(&["--port", "x"], &[]).is_err());
        assert!(parse(&["--bogus"], &[]).is_err());
        assert!(parse(&["--port"], &[]).is_err());
        let c = parse(
            &["--runtime", "simulated", "--task-retention", "2.5"],
            &[("LOCAL_ECS_OWNER", "ci")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (c.runtime, c.owner(), c.task_retention),
            (
                RuntimeChoice::Simulated,
                "ci".to_string(),
                Duration::from_millis(2500)
            )
        );
        assert_eq!(Config::default().owner(), "port-4566");
        assert!(parse(&["--runtime", "podman"], &[]).is_err());
        let scaled = parse(&["--time-scale", "60"], &[]).unwrap().unwrap();
        assert_eq!(scaled.time_scale, 60.0);
        let from_env = parse(&[], &[("LOCAL_ECS_TIME_SCALE", "2.5")])
            .unwrap()
            .unwrap();
        assert_eq!(from_env.time_scale, 2.5);
        for bad in ["0", "-1", "fast", "inf"] {
            assert!(parse(&["--time-scale", bad], &[]).is_err(), "{bad}");
        }
    }

    #[test]
    fn cors_and_limits() {
        let c = parse(
            &["--max-connections", "7", "--idle-timeout=2"],
            &[
                ("LOCAL_ECS_CORS_ALLOWED_ORIGINS", "http://a:1/, https://b ,"),
                ("LOCAL_ECS_HEADER_READ_TIMEOUT", "0.5"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.cors_allowed_origins, ["http://a:1", "https://b"]);
        assert_eq!(c.limits.max_connections, 7);
        assert_eq!(c.limits.idle_timeout, Duration::from_secs(2));
        assert_eq!(c.limits.header_read_timeout, Duration::from_millis(500));
        assert_eq!(c.limits.body_read_timeout, Duration::from_secs(30));
        assert!(parse(&["--max-connections", "0"], &[]).is_err());
        assert!(parse(&["--body-read-timeout", "0"], &[]).is_err());
    }
}
