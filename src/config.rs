//! Configuration: command-line flags first, then `LOCAL_ECS_*` environment variables, then defaults.

use std::time::Duration;

pub const USAGE: &str = "\
usage: local-ecs [--host HOST] [--port PORT] [--runtime auto|docker|simulated] [--owner ID]
                 [--task-retention SECONDS] [--list-operations]

  --host HOST          address to listen on (env LOCAL_ECS_HOST, default 127.0.0.1)
  --port PORT          port to listen on (env LOCAL_ECS_PORT, default 4566)
  --runtime KIND       where tasks run (env LOCAL_ECS_RUNTIME, default auto: Docker when the
                       engine answers, else simulated); Docker is found through DOCKER_HOST
  --owner ID           owner label of the containers this server creates and cleans up
                       (env LOCAL_ECS_OWNER, default port-<PORT>)
  --task-retention S   seconds a stopped task stays describable before it and its containers
                       are removed (env LOCAL_ECS_TASK_RETENTION, default 3600)
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
}

/// Which container runtime runs tasks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeChoice {
    Auto,
    Docker,
    Simulated,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 4566,
            runtime: RuntimeChoice::Auto,
            owner: None,
            task_retention: Duration::from_secs(3600),
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

impl Config {
    /// Reads flags (`args`, without the program name) and environment (`env`). `Ok(None)` means an
    /// informational flag was handled and the program should exit.
    pub fn from_args<I, E>(args: I, env: E) -> Result<Option<Config>, String>
    where
        I: IntoIterator<Item = String>,
        E: Fn(&str) -> Option<String>,
    {
        let mut config = Config::default();
        if let Some(h) = env("LOCAL_ECS_HOST").filter(|h| !h.is_empty()) {
            config.host = h;
        }
        if let Some(p) = env("LOCAL_ECS_PORT").filter(|p| !p.is_empty()) {
            config.port = parse_port(&p)?;
        }
        if let Some(r) = env("LOCAL_ECS_RUNTIME").filter(|r| !r.is_empty()) {
            config.runtime = parse_runtime(&r)?;
        }
        if let Some(o) = env("LOCAL_ECS_OWNER").filter(|o| !o.is_empty()) {
            config.owner = Some(o);
        }
        if let Some(t) = env("LOCAL_ECS_TASK_RETENTION").filter(|t| !t.is_empty()) {
            config.task_retention = parse_seconds(&t)?;
        }
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) => (f.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(format!("{flag} needs a value"))
            };
            match flag.as_str() {
                "--host" => config.host = value()?,
                "--port" => config.port = parse_port(&value()?)?,
                "--runtime" => config.runtime = parse_runtime(&value()?)?,
                "--owner" => config.owner = Some(value()?),
                "--task-retention" => config.task_retention = parse_seconds(&value()?)?,
                "--list-operations" => {
                    print!("{}", crate::operations_table());
                    return Ok(None);
                }
                "-h" | "--help" => {
                    println!("{USAGE}");
                    return Ok(None);
                }
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(Some(config))
    }
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
    }
}
