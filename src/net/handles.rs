//! One rtnetlink connection per namespace. A netlink socket belongs to the namespace of the thread
//! that created it, so each is made on a short-lived thread that entered the namespace; the
//! connection future runs on the backend's current-thread runtime.

use super::netns::NewNetns;
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
    /// The namespace's inode, read where the socket was made: while the socket lives, so does
    /// its namespace, and no other namespace can have this inode.
    inode: Option<u64>,
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

    /// Create the named namespaces (see `netns::create_many`), each with its netlink connection
    /// made on the thread that made it. The results come in the order of `new`.
    pub(crate) fn create_netns(&mut self, new: Vec<NewNetns>) -> Vec<io::Result<()>> {
        let rt = self.rt.handle().clone();
        let names: Vec<String> = new.iter().map(|n| n.name.clone()).collect();
        let made = super::netns::create_many(new, move || {
            let _entered = rt.enter();
            let inode = crate::sys::enter::inode(None).ok();
            rtnetlink::new_connection().map(|(c, h, _)| (c, h, inode))
        });
        names
            .into_iter()
            .zip(made)
            .map(|(name, m)| {
                let (conn, handle, inode) = m??;
                let task = self.rt.spawn(conn);
                let c = Conn {
                    handle,
                    task,
                    inode,
                };
                self.conns.insert(Netns::Named(name), c);
                Ok(())
            })
            .collect()
    }

    /// The adopted namespaces (by process or file) a connection is open in.
    pub(crate) fn adopted(&self) -> Vec<Netns> {
        let mut v: Vec<Netns> = self
            .conns
            .keys()
            .filter(|n| matches!(n, Netns::Adopted(_)))
            .cloned()
            .collect();
        v.sort();
        v
    }

    /// Whether a connection in `ns` is open already.
    pub(crate) fn has(&self, ns: &Netns) -> bool {
        self.conns.contains_key(ns)
    }

    pub(crate) fn get(&mut self, ns: &Netns) -> io::Result<Handle> {
        if let Some(c) = self.conns.get(ns) {
            return Ok(c.handle.clone());
        }
        let rt = self.rt.handle().clone();
        let path = ns.path();
        let (conn, handle, inode) = in_netns(path.as_deref(), move || {
            let _entered = rt.enter();
            let inode = crate::sys::enter::inode(None).ok();
            rtnetlink::new_connection().map(|(c, h, _)| (c, h, inode))
        })??;
        let task = self.rt.spawn(conn);
        self.conns.insert(
            ns.clone(),
            Conn {
                handle: handle.clone(),
                task,
                inode,
            },
        );
        Ok(handle)
    }

    /// The connection already open in `ns`, if `ns`'s name still leads to the namespace it was
    /// opened in (someone may have deleted it and made another of the same name).
    pub(crate) fn live(&self, ns: &Netns) -> Option<Handle> {
        let c = self.conns.get(ns)?;
        let now = crate::sys::enter::inode(ns.path().as_deref()).ok()?;
        (c.inode? == now).then(|| c.handle.clone())
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
