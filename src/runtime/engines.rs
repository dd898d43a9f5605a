//! Several engines behind one control plane: the default runtime (the local engine, or the
//! simulated one) plus one Docker runtime per distinct remote Docker host, so a lab of Docker
//! hosts can serve as the instances of one cluster.
//!
//! A remote host is named by an address (`tcp://host:port` or `unix:///path`), connected
//! lazily the first time something asks for it and then shared by every caller. A host that
//! cannot be reached is not remembered as failed: the next caller tries again, so a host that
//! comes up later is used from then on. Each newly connected engine is announced once on the
//! channel returned by [`Engines::new`], so its owner can follow that engine's events.
//!
//! Remote hosts are always Docker, whatever the default is: with the simulated default, an
//! address still names a real engine, which is used when it answers.
//!
//! Missing: TLS (`tcp://` is plain HTTP, as Docker's unencrypted port 2375 is), `ssh://`, and
//! forgetting an engine nobody uses any more.

use super::docker::DockerRuntime;
use super::{RuntimeError, SharedRuntime};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, OnceCell};

/// What [`Engine::name`] is for the default runtime.
pub const DEFAULT_ENGINE: &str = "default";
/// Docker's port for unencrypted TCP, used when a `tcp://` address has none.
const DOCKER_TCP_PORT: u16 = 2375;

/// Where a remote Docker engine listens.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum EngineAddress {
    /// `tcp://host:port`: the engine's plain-HTTP API.
    Tcp { host: String, port: u16 },
    /// `unix:///path`: an engine socket on this machine.
    Unix { path: String },
}

impl EngineAddress {
    /// Parses `tcp://host[:port]` (IPv6 hosts in brackets) or `unix:///absolute/path`.
    pub fn parse(text: &str) -> Result<EngineAddress, String> {
        let text = text.trim();
        let bad = |why: &str| {
            Err(format!(
                "invalid Docker host address {text:?}: {why} (expected tcp://host:port or unix:///path)"
            ))
        };
        if let Some(path) = text.strip_prefix("unix://") {
            if !path.starts_with('/') || path.len() < 2 {
                return bad("the socket path must be absolute");
            }
            return Ok(EngineAddress::Unix { path: path.into() });
        }
        let Some(rest) = text.strip_prefix("tcp://") else {
            return bad("unknown scheme");
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
            return bad("expected only host and port after tcp://");
        }
        let (host, port) = match split_port(authority) {
            Ok(parts) => parts,
            Err(why) => return bad(why),
        };
        if host.is_empty() {
            return bad("the host is missing");
        }
        Ok(EngineAddress::Tcp {
            host: host.into(),
            port: port.unwrap_or(DOCKER_TCP_PORT),
        })
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port` → host (brackets kept) and port.
fn split_port(authority: &str) -> Result<(&str, Option<u16>), &'static str> {
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => match &authority[end + 1..] {
                "" => (&authority[..=end], None),
                after => match after.strip_prefix(':') {
                    Some(port) => (&authority[..=end], Some(port)),
                    None => return Err("unexpected text after the IPv6 address"),
                },
            },
            None => return Err("unclosed '[' in the host"),
        }
    } else {
        match authority.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err("an IPv6 host must be in brackets")
            }
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    match port {
        None => Ok((host, None)),
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Ok((host, Some(n))),
            _ => Err("the port must be a number from 1 to 65535"),
        },
    }
}

impl std::fmt::Display for EngineAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineAddress::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            EngineAddress::Unix { path } => write!(f, "unix://{path}"),
        }
    }
}

/// One engine and the name it goes by ([`DEFAULT_ENGINE`], or its normalised address).
#[derive(Clone)]
pub struct Engine {
    pub name: String,
    pub runtime: SharedRuntime,
}

/// The default runtime and every remote engine connected so far.
pub struct Engines {
    default: SharedRuntime,
    /// By normalised address. A cell stays empty while (and if) connecting fails, so concurrent
    /// callers wait for one attempt and later callers make a new one.
    remote: Mutex<BTreeMap<String, Arc<OnceCell<SharedRuntime>>>>,
    announce: mpsc::UnboundedSender<Engine>,
}

impl Engines {
    /// The registry, and the channel on which each newly connected remote engine is announced.
    pub fn new(default: SharedRuntime) -> (Engines, mpsc::UnboundedReceiver<Engine>) {
        let (announce, announced) = mpsc::unbounded_channel();
        let engines = Engines {
            default,
            remote: Mutex::new(BTreeMap::new()),
            announce,
        };
        (engines, announced)
    }

    pub fn default_engine(&self) -> Engine {
        Engine {
            name: DEFAULT_ENGINE.into(),
            runtime: self.default.clone(),
        }
    }

    pub fn default_runtime(&self) -> &SharedRuntime {
        &self.default
    }

    /// The engine at `address` (`None`: the default), connecting to it if need be.
    pub async fn get(&self, address: Option<&str>) -> Result<Engine, RuntimeError> {
        let Some(address) = address else {
            return Ok(self.default_engine());
        };
        let parsed = EngineAddress::parse(address).map_err(RuntimeError::Unavailable)?;
        let name = parsed.to_string();
        let cell = self
            .remote
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name.clone())
            .or_default()
            .clone();
        let runtime = cell
            .get_or_try_init(|| async {
                let runtime: SharedRuntime =
                    Arc::new(DockerRuntime::connect_engine(&parsed).await?);
                tracing::info!(engine = %name, "connected to a remote Docker engine");
                let _ = self.announce.send(Engine {
                    name: name.clone(),
                    runtime: runtime.clone(),
                });
                Ok::<_, RuntimeError>(runtime)
            })
            .await?
            .clone();
        Ok(Engine { name, runtime })
    }

    /// The engine at `address` if it is the default or already connected; never connects.
    pub fn find(&self, address: Option<&str>) -> Option<Engine> {
        let Some(address) = address else {
            return Some(self.default_engine());
        };
        let name = EngineAddress::parse(address).ok()?.to_string();
        let remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        let runtime = remote.get(&name)?.get()?.clone();
        Some(Engine { name, runtime })
    }

    /// The default engine first, then every remote engine connected so far.
    pub fn connected(&self) -> Vec<Engine> {
        let remote = self.remote.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = vec![self.default_engine()];
        all.extend(remote.iter().filter_map(|(name, cell)| {
            Some(Engine {
                name: name.clone(),
                runtime: cell.get()?.clone(),
            })
        }));
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::simulated::SimulatedRuntime;

    fn tcp(host: &str, port: u16) -> EngineAddress {
        EngineAddress::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn parses_tcp_addresses() {
        let ok = |s: &str| EngineAddress::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(ok("tcp://10.0.0.5:2376"), tcp("10.0.0.5", 2376));
        assert_eq!(ok(" tcp://docker-b:4000/ "), tcp("docker-b", 4000));
        assert_eq!(ok("tcp://docker-b"), tcp("docker-b", 2375));
        assert_eq!(ok("tcp://[::1]:2375"), tcp("[::1]", 2375));
        assert_eq!(ok("tcp://[fe80::1]"), tcp("[fe80::1]", 2375));
        assert_eq!(ok("tcp://docker-b").to_string(), "tcp://docker-b:2375");
    }

    #[test]
    fn parses_unix_addresses() {
        let a = EngineAddress::parse("unix:///run/user/1000/docker.sock").expect("unix");
        assert_eq!(
            a,
            EngineAddress::Unix {
                path: "/run/user/1000/docker.sock".into()
            }
        );
        assert_eq!(a.to_string(), "unix:///run/user/1000/docker.sock");
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "10.0.0.5:2375",
            "http://10.0.0.5:2375",
            "ssh://me@host",
            "tcp://",
            "tcp://:2375",
            "tcp://host:0",
            "tcp://host:70000",
            "tcp://host:port",
            "tcp://host:2375/v1.41",
            "tcp://user@host:2375",
            "tcp://::1:2375",
            "tcp://[::1",
            "tcp://[::1]x",
            "unix://docker.sock",
            "unix://",
            "unix:///",
        ] {
            let e = EngineAddress::parse(bad).expect_err(bad);
            assert!(
                e.contains("expected tcp://host:port or unix:///path"),
                "{bad}: {e}"
            );
        }
    }

    #[tokio::test]
    async fn no_address_is_the_default_engine() {
        let (engines, _announced) = Engines::new(Arc::new(SimulatedRuntime::new()));
        let engine = engines.get(None).await.expect("default");
        assert_eq!(engine.name, DEFAULT_ENGINE);
        assert_eq!(engine.runtime.kind(), "simulated");
        assert_eq!(engines.connected().len(), 1);
        assert!(engines.find(None).is_some());
        assert!(engines.find(Some("tcp://127.0.0.1:1")).is_none());
    }

    #[tokio::test]
    async fn an_unreachable_host_fails_naming_it_and_is_tried_again() {
        let (engines, mut announced) = Engines::new(Arc::new(SimulatedRuntime::new()));
        for _ in 0..2 {
            match engines.get(Some("tcp://127.0.0.1:1")).await {
                Err(RuntimeError::Unavailable(m)) => {
                    assert!(m.contains("tcp://127.0.0.1:1"), "{m}")
                }
                Err(e) => panic!("not Unavailable: {e:?}"),
                Ok(_) => panic!("port 1 answered as a Docker engine"),
            }
        }
        assert_eq!(engines.connected().len(), 1, "a failed host is not kept");
        assert!(announced.try_recv().is_err(), "nothing was announced");
        match engines.get(Some("ftp://x")).await {
            Err(RuntimeError::Unavailable(m)) => assert!(m.contains("ftp://x"), "{m}"),
            _ => panic!("a malformed address must fail"),
        }
    }
}
