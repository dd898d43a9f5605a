//! The simulated engine's bookkeeping: containers, images, addresses, ports and subscribers.
//! Everything here is synchronous; timers live in the parent module.

use super::image::{random_id, ImageRef};
use super::knobs::Behaviour;
use crate::runtime::{
    Binding, ContainerInfo, ContainerSpec, Health, Network, Protocol, RuntimeError, RuntimeEvent,
};
use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;

/// What the caller must schedule after a successful start.
pub(super) struct Started {
    pub generation: u64,
    pub behaviour: Behaviour,
}

pub(super) struct Container {
    pub spec: ContainerSpec,
    seq: u64,
    pub running: bool,
    /// Bumped by every start and exit, so a timer armed for an earlier run does nothing.
    pub generation: u64,
    pub ignore_sigterm: bool,
    exit_code: Option<i64>,
    error: Option<String>,
    health: Option<Health>,
    ip: Option<String>,
    bindings: Vec<Binding>,
    started_at: Option<f64>,
    finished_at: Option<f64>,
}

impl Container {
    fn new(spec: ContainerSpec, seq: u64) -> Container {
        Container {
            spec,
            seq,
            running: false,
            generation: 0,
            ignore_sigterm: false,
            exit_code: None,
            error: None,
            health: None,
            ip: None,
            bindings: Vec::new(),
            started_at: None,
            finished_at: None,
        }
    }
}

struct Subscriber {
    label: String,
    value: String,
    tx: mpsc::UnboundedSender<RuntimeEvent>,
}

#[derive(Default)]
pub(super) struct State {
    containers: HashMap<String, Container>,
    /// Canonical references of the images "present locally".
    images: HashSet<String>,
    subscribers: Vec<Subscriber>,
    pub down: bool,
    seq: u64,
    next_ip: u32,
    next_port: u16,
}

const IP_HOSTS: std::ops::RangeInclusive<u32> = 2..=65534;
const EPHEMERAL: std::ops::RangeInclusive<u16> = 32768..=60999;
/// The image of sandboxes; always present, like the engine's pause image.
pub(super) const PAUSE_IMAGE: &str = "local-ecs/pause:latest";

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

fn no_such(id: &str) -> RuntimeError {
    RuntimeError::NotFound(format!("No such container: {id}"))
}

impl State {
    pub fn check_up(&self) -> Result<(), RuntimeError> {
        match self.down {
            true => Err(RuntimeError::Unavailable(
                "the simulated engine is down (SimulatedRuntime::fail_engine)".to_string(),
            )),
            false => Ok(()),
        }
    }

    pub fn container(&self, id: &str) -> Result<&Container, RuntimeError> {
        self.containers.get(id).ok_or_else(|| no_such(id))
    }

    pub fn add_image(&mut self, image: &ImageRef) {
        self.images.insert(image.canonical());
    }

    /// The engine's create-time refusals.
    fn check_creatable(&self, spec: &ContainerSpec) -> Result<(), RuntimeError> {
        let image = ImageRef::parse(&spec.image)?;
        if !self.images.contains(&image.canonical()) && spec.image != PAUSE_IMAGE {
            // The engine's create API does not pull: ensure_image must come first.
            return Err(RuntimeError::Rejected(format!(
                "No such image: {}",
                spec.image
            )));
        }
        let publishes = spec.ports.iter().any(|p| p.publish);
        if publishes && matches!(spec.network, Network::Join(_)) {
            return Err(RuntimeError::Rejected(
                "conflicting options: port publishing and the container type network mode"
                    .to_string(),
            ));
        }
        if let Some((id, _)) = self
            .containers
            .iter()
            .find(|(_, c)| !spec.name.is_empty() && c.spec.name == spec.name)
        {
            return Err(RuntimeError::Rejected(format!(
                "Conflict. The container name \"/{}\" is already in use by container \"{id}\". \
                 You have to remove (or rename) that container to be able to reuse that name.",
                spec.name
            )));
        }
        Ok(())
    }

    pub fn create(&mut self, spec: &ContainerSpec) -> Result<String, RuntimeError> {
        self.check_creatable(spec)?;
        let id = random_id();
        self.seq += 1;
        let container = Container::new(spec.clone(), self.seq);
        self.containers.insert(id.clone(), container);
        Ok(id)
    }

    /// Starts a container; `None` when it was already running (the engine's "not modified").
    pub fn start(&mut self, id: &str) -> Result<Option<Started>, RuntimeError> {
        let container = self.container(id)?;
        if container.running {
            return Ok(None);
        }
        let spec = container.spec.clone();
        let prepared = Behaviour::from_spec(&spec).and_then(|behaviour| {
            let ip = self.address_for(&spec.network)?;
            let bindings = self.bind_ports(&spec)?;
            Ok((behaviour, ip, bindings))
        });
        let c = self.containers.get_mut(id).ok_or_else(|| no_such(id))?;
        let (behaviour, ip, bindings) = match prepared {
            Ok(ok) => ok,
            Err(message) => {
                // As the engine records a failed start: not running, code 128, the error text.
                c.exit_code = Some(128);
                c.error = Some(message.clone());
                return Err(RuntimeError::Rejected(message));
            }
        };
        c.running = true;
        c.generation += 1;
        c.ignore_sigterm = behaviour.ignore_sigterm;
        c.exit_code = None;
        c.error = None;
        c.health = behaviour.health.map(|_| Health::Starting);
        c.ip = ip;
        c.bindings = bindings;
        c.started_at = Some(now());
        c.finished_at = None;
        let generation = c.generation;
        self.emit(id, RuntimeEvent::Started { id: id.to_string() });
        Ok(Some(Started {
            generation,
            behaviour,
        }))
    }

    /// Ends the run `generation` (any run if `None`) with `exit_code`; false if it had already
    /// ended or the container is gone.
    pub fn exit(&mut self, id: &str, generation: Option<u64>, exit_code: i64) -> bool {
        let Some(c) = self.containers.get_mut(id) else {
            return false;
        };
        if !c.running || generation.is_some_and(|g| g != c.generation) {
            return false;
        }
        c.running = false;
        c.generation += 1;
        c.exit_code = Some(exit_code);
        c.finished_at = Some(now());
        // Like the engine, an exited container holds no address or ports.
        c.ip = None;
        c.bindings.clear();
        let event = RuntimeEvent::Died {
            id: id.to_string(),
            exit_code: Some(exit_code),
        };
        self.emit(id, event);
        true
    }

    pub fn settle_health(&mut self, id: &str, generation: u64, health: Health) {
        let Some(c) = self.containers.get_mut(id) else {
            return;
        };
        if c.running && c.generation == generation && c.health != Some(health) {
            c.health = Some(health);
            let event = RuntimeEvent::HealthChanged {
                id: id.to_string(),
                health,
            };
            self.emit(id, event);
        }
    }

    /// Forgets a container, killing it first if it runs (as a forced remove does).
    pub fn remove(&mut self, id: &str) -> Result<(), RuntimeError> {
        self.container(id)?;
        self.exit(id, None, 137);
        self.containers.remove(id);
        Ok(())
    }

    pub fn inspect(&self, id: &str) -> Result<ContainerInfo, RuntimeError> {
        let c = self.container(id)?;
        Ok(ContainerInfo {
            id: id.to_string(),
            running: c.running,
            exit_code: c.exit_code,
            oom_killed: false,
            error: c.error.clone(),
            health: c.health,
            ip_address: c.ip.clone(),
            endpoints_ip: None,
            bindings: c.bindings.clone(),
            started_at: c.started_at,
            finished_at: c.finished_at,
            labels: c.spec.labels.clone(),
        })
    }

    /// Ids carrying `label=value`, in creation order.
    pub fn list(&self, label: &str, value: &str) -> Vec<String> {
        let mut found: Vec<(u64, &String)> = self
            .containers
            .iter()
            .filter(|(_, c)| c.spec.labels.get(label).is_some_and(|v| v == value))
            .map(|(id, c)| (c.seq, id))
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id.clone()).collect()
    }

    pub fn subscribe(&mut self, label: &str, value: &str) -> mpsc::UnboundedReceiver<RuntimeEvent> {
        let (tx, rx) = mpsc::unbounded_channel();
        if self.down {
            let _ = tx.send(connection_event(false));
        }
        self.subscribers.retain(|s| !s.tx.is_closed());
        self.subscribers.push(Subscriber {
            label: label.to_string(),
            value: value.to_string(),
            tx,
        });
        rx
    }

    /// Delivers a container event to matching subscribers. While the engine is down the
    /// event stream is cut, so events are lost, as they would be with a real engine.
    fn emit(&mut self, id: &str, event: RuntimeEvent) {
        let Some(labels) = self.containers.get(id).map(|c| &c.spec.labels) else {
            return;
        };
        if self.down {
            return;
        }
        self.subscribers.retain(|s| {
            let matches = labels.get(&s.label) == Some(&s.value);
            !s.tx.is_closed() && (!matches || s.tx.send(event.clone()).is_ok())
        });
    }

    pub fn set_down(&mut self, down: bool) {
        if self.down == down {
            return;
        }
        self.down = down;
        let event = connection_event(!down);
        self.subscribers
            .retain(|s| s.tx.send(event.clone()).is_ok());
    }

    fn address_for(&mut self, network: &Network) -> Result<Option<String>, String> {
        match network {
            Network::None => Ok(None),
            Network::Host => Ok(Some("127.0.0.1".to_string())),
            Network::Join(owner) => match self.containers.get(owner) {
                Some(c) if c.running => Ok(c.ip.clone()),
                Some(_) => Err(format!(
                    "cannot join network of a non running container: {owner}"
                )),
                None => Err(format!("No such container: {owner}")),
            },
            Network::Bridge => self.allocate_ip().map(Some),
        }
    }

    fn allocate_ip(&mut self) -> Result<String, String> {
        let used: HashSet<String> = self.running().filter_map(|c| c.ip.clone()).collect();
        for _ in IP_HOSTS {
            self.next_ip = match self.next_ip {
                n if IP_HOSTS.contains(&n) && n < *IP_HOSTS.end() => n + 1,
                _ => *IP_HOSTS.start(),
            };
            let ip = format!("172.30.{}.{}", self.next_ip >> 8, self.next_ip & 0xff);
            if !used.contains(&ip) {
                return Ok(ip);
            }
        }
        Err("no available IPv4 addresses on this network's address pools".to_string())
    }

    /// Host ports for the published ports of a bridge container (the engine discards them
    /// for host and none networking).
    fn bind_ports(&mut self, spec: &ContainerSpec) -> Result<Vec<Binding>, String> {
        if spec.network != Network::Bridge {
            return Ok(Vec::new());
        }
        let mut used: HashSet<(u16, Protocol)> = self
            .running()
            .flat_map(|c| c.bindings.iter().map(|b| (b.host_port, b.protocol)))
            .collect();
        let mut bindings = Vec::new();
        for port in spec.ports.iter().filter(|p| p.publish) {
            let host_port = match port.host_port {
                0 => self.ephemeral_port(&used)?,
                fixed if used.contains(&(fixed, port.protocol)) => {
                    return Err(format!(
                        "driver failed programming external connectivity on endpoint {}: \
                         Bind for 0.0.0.0:{fixed} failed: port is already allocated",
                        spec.name
                    ));
                }
                fixed => fixed,
            };
            used.insert((host_port, port.protocol));
            bindings.push(Binding {
                container_port: port.container_port,
                host_port,
                protocol: port.protocol,
                host_ip: "0.0.0.0".to_string(),
            });
        }
        Ok(bindings)
    }

    /// The next port of the ephemeral range free for both protocols, round-robin as the
    /// engine allocates them.
    fn ephemeral_port(&mut self, used: &HashSet<(u16, Protocol)>) -> Result<u16, String> {
        for _ in EPHEMERAL {
            self.next_port = match self.next_port {
                n if EPHEMERAL.contains(&n) && n < *EPHEMERAL.end() => n + 1,
                _ => *EPHEMERAL.start(),
            };
            let port = self.next_port;
            if !used.contains(&(port, Protocol::Tcp)) && !used.contains(&(port, Protocol::Udp)) {
                return Ok(self.next_port);
            }
        }
        Err("no free ports in the ephemeral range 32768-60999".to_string())
    }

    fn running(&self) -> impl Iterator<Item = &Container> {
        self.containers.values().filter(|c| c.running)
    }
}

fn connection_event(available: bool) -> RuntimeEvent {
    let message = match available {
        true => "the simulated engine is back",
        false => "the simulated engine is down (SimulatedRuntime::fail_engine)",
    };
    RuntimeEvent::Connection {
        available,
        message: message.to_string(),
    }
}
