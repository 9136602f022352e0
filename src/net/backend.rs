//! `Netlink`: the backend that applies a plan to the kernel. Requests to one namespace are
//! pipelined on its socket (the kernel handles a socket's messages in order); a change of
//! namespace, a lookup or a syscall waits for what is in flight.

use super::handles::Handles;
use super::messages::{self as m, Msg};
use crate::firewall::auto::Auto;
use crate::firewall::Firewall;

use crate::sys::{Cancel, Failure, Netns};
use futures::future::{join_all, LocalBoxFuture};
use futures::StreamExt;
use rtnetlink::packet_core::NetlinkPayload;
use rtnetlink::packet_route::RouteNetlinkMessage;
use rtnetlink::Handle;
use std::collections::HashMap;

type Pending = (usize, LocalBoxFuture<'static, Result<(), Failure>>);

/// Requests grouped in waves: a wave holds, per namespace socket and in order, every request
/// whose dependencies in other namespaces were met by earlier waves (a veth peer born in
/// namespace X is ready for X's requests one wave after its create). A socket handles its
/// messages in order, so requests to one namespace need no wait between them.
#[derive(Default)]
pub(super) struct Waves {
    waves: Vec<Vec<Pending>>,
    /// The last wave each namespace's socket has a request in.
    ns_wave: HashMap<Netns, usize>,
    /// The last wave, and the socket, that touched each link name.
    name_wave: HashMap<(Netns, String), (usize, Netns)>,
}

impl Waves {
    fn push(&mut self, step: usize, ns: &Netns, touched: &[(Netns, String)], fut: Pending) {
        let mut w = self.ns_wave.get(ns).copied().unwrap_or(0);
        for t in touched {
            if let Some((tw, sock)) = self.name_wave.get(t) {
                w = w.max(if sock == ns { *tw } else { tw + 1 });
            }
        }
        while self.waves.len() <= w {
            self.waves.push(vec![]);
        }
        self.waves[w].push((step, fut.1));
        self.ns_wave.insert(ns.clone(), w);
        for t in touched {
            self.name_wave.insert(t.clone(), (w, ns.clone()));
        }
    }

    fn is_empty(&self) -> bool {
        self.waves.is_empty()
    }
}

pub struct Netlink {
    pub(super) h: Handles,
    /// Every link netsh creates carries this alias (`netsh:<lab>`), so it can be found by its tag.
    pub(super) alias: String,
    /// name → ifindex per namespace, from observing and from creates that chose their index.
    pub(super) index: HashMap<Netns, HashMap<String, u32>>,
    /// The next free ifindex of each namespace netsh created or observed, so creates choose
    /// their index and later requests need no lookups.
    pub(super) next_index: HashMap<Netns, u32>,
    /// Firewall rules go through the firewall driver (src/firewall), in the same namespaces.
    pub(super) fw: Box<dyn Firewall>,
    /// A signal (Ctrl-C, SIGTERM, SIGHUP): a running `exec` is stopped as a timeout would stop
    /// it, and an apply stops before its next wave of requests.
    pub(super) cancel: Cancel,
    /// The machine's name in the controller's script when this is a far machine's agent:
    /// mixed into its bridges' MACs (`plan::op::bridge_mac_on`).
    pub(super) machine: Option<String>,
}

impl Netlink {
    pub fn new(lab: &str) -> std::io::Result<Self> {
        Ok(Netlink {
            h: Handles::new()?,
            alias: format!("netsh:{lab}"),
            index: HashMap::new(),
            next_index: HashMap::new(),
            fw: Box::new(Auto::default()),
            cancel: Cancel::default(),
            machine: None,
        })
    }

    /// This is the agent of the far machine the controller's script names `machine`.
    pub(crate) fn set_machine(&mut self, machine: Option<String>) {
        self.machine = machine;
    }

    /// Stop a running `exec`, and an apply between two waves, when `cancel` is set.
    pub fn cancel_on(&mut self, cancel: Cancel) {
        self.cancel = cancel;
    }

    /// Step `step` is not sent when a stop was asked: the flush fails there and the run rolls
    /// back what the journal says it began.
    pub(super) fn go_on(&self, step: usize) -> Result<(), (usize, Failure)> {
        if !self.cancel.is_cancelled() {
            return Ok(());
        }
        let mut f = Failure::new(format!("interrupted ({})", self.cancel.words()), None);
        f.help = Some("the run stopped here; what it built is rolled back unless --keep".into());
        Err((step, f))
    }

    /// The driver a stack's firewall goes through (`-v`, `show`).
    pub(crate) fn firewall_driver(
        &mut self,
        ns: &Netns,
    ) -> Option<crate::firewall::legacy::Driver> {
        self.fw.driver(ns.path().as_deref())
    }

    /// An fd naming the root stack (netsh's own), for asking other namespaces its nsid.
    pub(crate) fn root_fd(&mut self) -> Result<std::os::fd::RawFd, Failure> {
        self.h.fd(&Netns::Root).map_err(|e| Failure::from_io(&e))
    }

    pub(crate) fn handle_for(&mut self, ns: &Netns) -> Result<Handle, Failure> {
        self.handle(ns)
    }

    pub(crate) fn block_on<T>(
        &mut self,
        f: impl std::future::Future<Output = Result<T, rtnetlink::Error>>,
    ) -> Result<T, Failure> {
        self.h
            .rt
            .block_on(f)
            .map_err(|e| Failure::new(e.to_string(), None))
    }

    pub(super) fn handle(&mut self, ns: &Netns) -> Result<Handle, Failure> {
        if !self.h.has(ns) {
            // A process's namespace may be gone, or its pid another process's now.
            ns.check()?;
        }
        self.h.get(ns).map_err(|e| {
            Failure::new(
                format!(
                    "cannot open a netlink socket in {ns}: {}",
                    crate::sys::errno::errno_words(&e)
                ),
                e.raw_os_error(),
            )
        })
    }

    /// Send every wave in turn, each wave's requests all in flight together.
    pub(super) fn drain(&mut self, batch: &mut Waves) -> Result<(), (usize, Failure)> {
        if batch.is_empty() {
            return Ok(());
        }
        let waves = std::mem::take(batch).waves;
        for wave in waves {
            let (idx, futs): (Vec<usize>, Vec<_>) = wave.into_iter().unzip();
            self.go_on(idx.iter().copied().min().unwrap_or(0))?;
            let results = self.h.rt.block_on(join_all(futs));
            let failed = idx
                .into_iter()
                .zip(results)
                .filter_map(|(i, r)| r.err().map(|f| (i, f)))
                .min_by_key(|(i, _)| *i);
            if let Some(f) = failed {
                return Err(f);
            }
        }
        Ok(())
    }

    /// The ifindex of a link, from the cache or asked of the kernel.
    pub(super) fn index_of(&mut self, ns: &Netns, name: &str) -> Result<u32, Failure> {
        if let Some(i) = self.index.get(ns).and_then(|m| m.get(name)) {
            return Ok(*i);
        }
        let mut handle = self.handle(ns)?;
        let found = self.h.rt.block_on(async move {
            let mut s = handle
                .request(m::get_link(name))
                .map_err(|e| Failure::new(e.to_string(), None))?;
            let mut found = None;
            while let Some(msg) = s.next().await {
                match msg.payload {
                    NetlinkPayload::InnerMessage(RouteNetlinkMessage::NewLink(l)) => {
                        found = Some(l.header.index)
                    }
                    NetlinkPayload::Error(e) if e.code.is_some() => {
                        return Err(errno_failure(-e.raw_code()))
                    }
                    _ => {}
                }
            }
            found.ok_or_else(|| Failure::new("no such device", Some(19)))
        })?;
        self.index
            .entry(ns.clone())
            .or_default()
            .insert(name.to_string(), found);
        Ok(found)
    }

    /// An ifindex needed to build a request: from the cache, or asked of the kernel once what
    /// is in flight has landed (the link may be in it).
    pub(super) fn index_now(
        &mut self,
        batch: &mut Waves,
        step: usize,
        ns: &Netns,
        name: &str,
    ) -> Result<u32, (usize, Failure)> {
        if !self.index.get(ns).is_some_and(|x| x.contains_key(name)) {
            self.drain(batch)?;
        }
        self.index_of(ns, name).map_err(|f| (step, f))
    }

    pub(super) fn choose_index(&mut self, ns: &Netns, name: &str) -> Option<u32> {
        let next = self.next_index.get_mut(ns)?;
        let i = *next;
        *next += 1;
        self.index
            .entry(ns.clone())
            .or_default()
            .insert(name.to_string(), i);
        Some(i)
    }

    pub(super) fn forget_link(&mut self, ns: &Netns, name: &str) {
        if let Some(m) = self.index.get_mut(ns) {
            m.remove(name);
        }
    }

    /// Queue requests on `ns`'s socket, in the first wave their dependencies allow.
    pub(super) fn send(
        &mut self,
        batch: &mut Waves,
        touched: &[(Netns, String)],
        step: usize,
        ns: &Netns,
        msgs: Vec<Msg>,
    ) -> Result<(), (usize, Failure)> {
        let handle = self.handle(ns).map_err(|f| (step, f))?;
        for msg in msgs {
            batch.push(
                step,
                ns,
                touched,
                (step, Box::pin(ack(handle.clone(), msg))),
            );
        }
        Ok(())
    }
}

async fn ack(mut handle: Handle, msg: Msg) -> Result<(), Failure> {
    let mut s = handle
        .request(msg)
        .map_err(|e| Failure::new(e.to_string(), None))?;
    while let Some(r) = s.next().await {
        if let NetlinkPayload::Error(e) = r.payload {
            if e.code.is_some() {
                return Err(errno_failure(-e.raw_code()));
            }
        }
    }
    Ok(())
}

/// "File exists (EEXIST)": the system's words and the errno's name.
pub(crate) fn errno_failure(errno: i32) -> Failure {
    let e = std::io::Error::from_raw_os_error(errno);
    Failure::new(crate::sys::errno::errno_words(&e), Some(errno))
}
