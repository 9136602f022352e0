//! `netsh show --serve` and the REPL's `:web`: a local page with the lab's picture and its state
//! beside it, updated within a second of each change, with `pingall` and `why` a click away.
//! A small HTTP/1.1 server on std::net: it listens on 127.0.0.1 unless told otherwise, prints its
//! URL with a random token and refuses requests without it, and changes nothing in the kernel.

mod http;
mod kernel;
mod read;
mod routes;
mod token;

use routes::Ctx;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

/// At most this many requests at once (event streams included); more get 503.
const MAX_CONNECTIONS: usize = 32;

pub(crate) struct Server {
    url: String,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Server {
    /// Listens on `addr` (`127.0.0.1:0`: a free port) and serves the state of `lab`, or of
    /// everything on this stack.
    pub(crate) fn start(addr: &str, lab: Option<String>) -> Result<Server, String> {
        let listener =
            TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let token = token::new_token().map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
        let url = format!("http://{local}/?token={token}");
        let stop = Arc::new(AtomicBool::new(false));
        let snap = Arc::new(RwLock::new(kernel::Snapshot::default()));
        let (jobs, rx) = mpsc::channel();
        {
            let (snap, stop) = (snap.clone(), stop.clone());
            // Not joined: a probe under way ends on its own bound; the page is gone by then.
            std::thread::spawn(move || kernel::run(lab, snap, rx, stop));
        }
        let ctx = Arc::new(Ctx {
            token,
            snap,
            jobs,
            stop: stop.clone(),
        });
        let accept = std::thread::spawn(move || accept_loop(listener, ctx));
        Ok(Server {
            url,
            stop,
            accept: Some(accept),
        })
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>) {
    let active = Arc::new(AtomicUsize::new(0));
    while !ctx.stop.load(Ordering::SeqCst) {
        let Ok((mut s, _)) = listener.accept() else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if s.set_nonblocking(false).is_err() {
            continue;
        }
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            http::respond(&mut s, 503, "text/plain", b"too many requests at once\n");
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (ctx, active) = (ctx.clone(), active.clone());
        std::thread::spawn(move || {
            routes::handle(s, &ctx);
            active.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

/// `netsh show --serve`: serve until Ctrl-C (or SIGTERM, SIGHUP).
pub(crate) fn serve_until_stopped(addr: &str, lab: Option<String>) -> Result<(), String> {
    let cancel = crate::sys::Cancel::on_stop_signals();
    let mut server = Server::start(addr, lab)?;
    println!("{}", server.url());
    eprintln!("serving the lab's page; Ctrl-C stops");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    while !cancel.is_cancelled() {
        std::thread::sleep(Duration::from_millis(100));
    }
    server.stop();
    Ok(())
}
