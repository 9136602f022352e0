//! One rtnetlink connection per namespace. A netlink socket belongs to the namespace of the thread
//! that created it, so each is made on a short-lived thread that entered the namespace; the
//! connection future runs on the backend's current-thread runtime.

use crate::sys::enter::in_netns;
use crate::sys::Netns;
use rtnetlink::Handle;
use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;

struct Conn {
    handle: Handle,
    task: JoinHandle<()>,
}

pub(crate) struct Handles {
    pub(crate) rt: Runtime,
    conns: HashMap<Netns, Conn>,
    /// Open namespace files, for IFLA_NET_NS_FD. An open fd keeps a namespace alive, so they are
    /// closed before the namespace is deleted.
    fds: HashMap<Netns, File>,
}

impl Handles {
    pub(crate) fn new() -> io::Result<Self> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        Ok(Handles {
            rt,
            conns: HashMap::new(),
            fds: HashMap::new(),
        })
    }

    /// Create the named namespace, its lo tagged with `alias`, and its netlink connection on the
    /// same thread.
    pub(crate) fn create_netns(&mut self, name: &str, alias: &str) -> io::Result<()> {
        let rt = self.rt.handle().clone();
        let (_, conn) = super::netns::create_named_with(name, Some(alias), move || {
            let _entered = rt.enter();
            rtnetlink::new_connection().map(|(c, h, _)| (c, h))
        })?;
        let (conn, handle) = conn?;
        let task = self.rt.spawn(conn);
        self.conns
            .insert(Netns::Named(name.to_string()), Conn { handle, task });
        Ok(())
    }

    pub(crate) fn get(&mut self, ns: &Netns) -> io::Result<Handle> {
        if let Some(c) = self.conns.get(ns) {
            return Ok(c.handle.clone());
        }
        let rt = self.rt.handle().clone();
        let path = ns.path();
        let (conn, handle) = in_netns(path.as_deref(), move || {
            let _entered = rt.enter();
            rtnetlink::new_connection().map(|(c, h, _)| (c, h))
        })??;
        let task = self.rt.spawn(conn);
        self.conns.insert(
            ns.clone(),
            Conn {
                handle: handle.clone(),
                task,
            },
        );
        Ok(handle)
    }

    /// An fd naming the namespace, valid until `forget`.
    pub(crate) fn fd(&mut self, ns: &Netns) -> io::Result<RawFd> {
        if !self.fds.contains_key(ns) {
            let f = match ns.path() {
                Some(p) => File::open(p)?,
                // The main thread never leaves the root stack.
                None => File::open("/proc/thread-self/ns/net")?,
            };
            self.fds.insert(ns.clone(), f);
        }
        Ok(self.fds[ns].as_raw_fd())
    }

    /// Close everything that keeps a namespace alive: its socket and its fd.
    pub(crate) fn forget(&mut self, ns: &Netns) {
        if let Some(c) = self.conns.remove(ns) {
            c.task.abort();
            // Let the runtime drop the aborted task (and its socket) now.
            let _ = self.rt.block_on(c.task);
        }
        self.fds.remove(ns);
    }
}
