//! Configuration: command-line flags first, then `LOCAL_ECS_*` environment variables, then defaults.

pub const USAGE: &str = "\
usage: local-ecs [--host HOST] [--port PORT] [--list-operations]

  --host HOST          address to listen on (env LOCAL_ECS_HOST, default 127.0.0.1)
  --port PORT          port to listen on (env LOCAL_ECS_PORT, default 4566)
  --list-operations    print the supported-operations table (Markdown) and exit
  -h, --help           print this help and exit

Logging follows RUST_LOG (default: info).";

/// Server settings.
#[derive(Debug, Clone)]
pub struct Config {
    pub host: String,
    pub port: u16,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 4566,
        }
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
    }
}
