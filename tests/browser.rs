//! The live page in a real browser: Debian's chromium, headless, driven over the DevTools
//! protocol on a pipe (`--remote-debugging-pipe`: JSON messages ending in NUL on fds 3 and 4).
//! Chapter 4 is built and served in a sandbox; chromium joins the sandbox's network namespace
//! (nsenter), loads the page and the test reads its DOM: the machines, the tunnel, every
//! namespace; a namespace added in the sandbox appears within a second; a click shows a
//! namespace's addresses; `why` marks its hops, the broken one in red; a screenshot is kept in
//! target/tmp/chapter4-page.png.

mod support;

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A browser on the DevTools pipe, and the page's session once attached.
struct Browser {
    child: Child,
    to: std::fs::File,
    from: BufReader<std::fs::File>,
    next: u64,
    session: Option<String>,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills both fds, which are then owned here.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

impl Browser {
    fn start(netns_of: &str, url: &str, profile: &str) -> Browser {
        let (cmd_r, cmd_w) = pipe();
        let (out_r, out_w) = pipe();
        let (r, w) = (cmd_r.as_raw_fd(), out_w.as_raw_fd());
        let mut c = Command::new("nsenter");
        c.arg(format!("--net=/proc/{netns_of}/ns/net"))
            .args([
                "--",
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
            ])
            .arg(format!("--user-data-dir={profile}"))
            .args(["--remote-debugging-pipe", "--window-size=1700,800", url])
            .env("HOME", profile)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        // SAFETY: only dup2 between fork and exec: the pipe ends become fds 3 and 4.
        unsafe {
            c.pre_exec(move || {
                if libc::dup2(r, 3) < 0 || libc::dup2(w, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().expect("chromium (apt-get install chromium)");
        drop((cmd_r, out_w));
        Browser {
            child,
            to: std::fs::File::from(cmd_w),
            from: BufReader::new(std::fs::File::from(out_r)),
            next: 0,
            session: None,
        }
    }

    /// Sends a command and waits for its answer (events in between are skipped).
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let mut msg = json!({ "id": self.next, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.to.write_all(msg.to_string().as_bytes()).unwrap();
        self.to.write_all(b"\0").unwrap();
        loop {
            let mut buf = vec![];
            let n = self.from.read_until(0, &mut buf).unwrap();
            assert!(n > 0, "chromium closed its pipe");
            buf.pop();
            let v: Value = serde_json::from_slice(&buf).unwrap();
            if v["id"] == json!(self.next) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// The page's value of a JavaScript expression.
    fn eval(&mut self, js: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": js, "returnByValue": true, "awaitPromise": true }),
        );
        r["result"]["value"].clone()
    }

    /// Waits, bounded, until the expression is true; when it became so.
    fn until(&mut self, js: &str, bound: Duration) -> Instant {
        let end = Instant::now() + bound;
        while Instant::now() < end {
            if self.eval(js) == json!(true) {
                return Instant::now();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("not within {bound:?}: {js}");
    }

    fn attach(&mut self) {
        let targets = self.call("Target.getTargets", json!({}));
        let page = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("a page")["targetId"]
            .clone();
        let r = self.call(
            "Target.attachToTarget",
            json!({ "targetId": page, "flatten": true }),
        );
        self.session = Some(r["sessionId"].as_str().unwrap().to_string());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SAFETY: chromium leads its own process group; only it is signalled.
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Standard base64, for the screenshot.
fn base64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let bytes: Vec<u8> = s.bytes().filter(|c| *c != b'=').map(val).collect();
    bytes
        .chunks(4)
        .flat_map(|c| {
            let n = c.iter().fold(0u32, |n, v| n << 6 | u32::from(*v)) << (6 * (4 - c.len()));
            let b = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            b.into_iter().take(c.len() * 3 / 4)
        })
        .collect()
}

#[test]
fn base64_decodes() {
    assert_eq!(base64("aGVsbG8="), b"hello");
    assert_eq!(base64("iVBORw=="), b"\x89PNG");
}

#[test]
#[ignore = "needs chromium, iproute2"]
fn the_page_in_chromium_draws_follows_and_traces_chapter4() {
    let tmp = std::env::temp_dir().join(format!("netsh-browser-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let trigger = tmp.join("add");
    let mut sb = support::sandbox_child(&format!(
        "\"$NETSH\" run scripts/chapter4.rhai >/dev/null 2>&1 || exit 1\n\
         echo \"pid $$\"\n\
         timeout 120 \"$NETSH\" show --serve &\n\
         for i in $(seq 1200); do [ -e {t} ] && break; sleep 0.05; done\n\
         ip netns add extra\n\
         sleep 60",
        t = trigger.display()
    ));
    let mut out = BufReader::new(sb.stdout.take().unwrap());
    let mut line = || {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        l.trim().to_string()
    };
    let pid = line()
        .strip_prefix("pid ")
        .expect("the sandbox's pid")
        .to_string();
    let url = line();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let profile = tmp.join("profile");
        let mut b = Browser::start(&pid, &url, &profile.display().to_string());
        b.attach();
        b.until(
            "!!document.querySelector('#picture svg')",
            Duration::from_secs(15),
        );
        let ids = b.eval("[...document.querySelectorAll('#picture [id]')].map(e => e.id)");
        let ids: Vec<&str> = ids
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for id in [
            "machine-host",
            "machine-h150",
            "tunnel-h150/vxlan1-host/vxlan1",
            "ns-ns1",
            "ns-ns2",
            "ns-h150.ns1",
            "ns-h150.ns2",
        ] {
            assert!(ids.contains(&id), "{id} not in the page: {ids:?}");
        }
        let shot = b.call("Page.captureScreenshot", json!({ "format": "png" }));
        let png = base64(shot["data"].as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000);
        // Kept for a look: target/tmp/chapter4-page.png.
        std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("chapter4-page.png"),
            &png,
        )
        .unwrap();
        // A namespace added in the sandbox appears without a reload.
        assert!(b.eval("!document.getElementById('ns-extra')") == json!(true));
        std::fs::write(&trigger, "").unwrap();
        let asked = Instant::now();
        let seen = b.until(
            "!!document.getElementById('ns-extra')",
            Duration::from_secs(5),
        );
        // Clicking a namespace shows its addresses.
        b.eval("document.getElementById('ns-ns1').dispatchEvent(new MouseEvent('click', {bubbles: true}))");
        b.until(
            "document.getElementById('obj').textContent.includes('10.1.1.2/24')",
            Duration::from_secs(5),
        );
        // why from ns2 to host 150: ns2 has no route beyond its bridge; the hop is marked red.
        b.eval(
            "document.getElementById('from').value = 'ns2';\
             document.getElementById('addr').value = '172.31.131.150';\
             document.querySelector('#why button').click(); true",
        );
        b.until(
            "!!document.querySelector('#picture .broken')",
            Duration::from_secs(30),
        );
        let broken = b.eval("document.querySelector('#picture .broken').id");
        assert_eq!(broken, json!("ns-ns2"));
        // ... and a clear one marks its hops, none red.
        b.eval(
            "document.getElementById('from').value = 'ns1';\
             document.getElementById('addr').value = '10.1.1.3';\
             document.querySelector('#why button').click(); true",
        );
        b.until(
            "!document.querySelector('#picture .broken') && \
             !!document.querySelector('#ns-ns2.hop') && !!document.querySelector('#ns-ns1.hop')",
            Duration::from_secs(30),
        );
        seen - asked
    }));
    support::kill_sandbox(&mut sb);
    let took = match result {
        Ok(t) => t,
        Err(e) => std::panic::resume_unwind(e),
    };
    assert!(
        took < Duration::from_millis(1100),
        "ns-extra after {took:?}"
    );
    let _ = std::fs::remove_dir_all(&tmp);
}
