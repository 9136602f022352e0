//! The netsh the far side runs: its own, when it is this version; else a copy of ours, sent
//! over ssh into a per-user cache there (~/.cache/netsh/netsh-VERSION-pPROTOCOL), same architecture only.

use super::error::RemoteError;
use super::ssh::Ssh;
use crate::sys::shell::quote;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The far side's cached copy of this version, for its shell ($HOME expands there). Named by
/// the protocol too: a copy of the same version that speaks an older protocol is replaced.
fn cached() -> String {
    format!(
        "\"$HOME/.cache/netsh/netsh-{VERSION}-p{}\"",
        super::proto::PROTOCOL
    )
}

/// What the far side said about itself: its architecture, and each candidate's `--version`.
fn survey(ssh: &Ssh) -> Result<(String, Vec<(String, String)>), RemoteError> {
    let own = ssh
        .opts
        .netsh
        .as_deref()
        .map(quote)
        .unwrap_or("netsh".into());
    // One round trip: `uname -m`, then `have PATH VERSION-LINE` for each netsh that runs.
    let script = format!(
        "uname -m; for p in {own} {cached}; do \
         v=$(\"$p\" --version 2>/dev/null) && echo \"have $p $v\"; done; true",
        cached = cached()
    );
    let out = ssh.run(&script, None)?;
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let mut lines = text.lines();
    let arch = lines.next().unwrap_or("").trim().to_string();
    let have = lines
        .filter_map(|l| l.strip_prefix("have "))
        .filter_map(|l| l.rsplit_once(" netsh "))
        .map(|(p, v)| (p.to_string(), v.trim().to_string()))
        .collect();
    Ok((arch, have))
}

/// `uname -m` words for Rust's `std::env::consts::ARCH`.
fn same_arch(uname: &str) -> bool {
    let ours = std::env::consts::ARCH;
    match ours {
        "arm" => uname.starts_with("arm"),
        "x86" => matches!(uname, "i386" | "i486" | "i586" | "i686"),
        _ => uname == ours,
    }
}

/// The path of a netsh of this version on the far side, copying ours there if needed.
pub(crate) fn far_netsh(ssh: &Ssh) -> Result<String, RemoteError> {
    let (arch, have) = survey(ssh)?;
    if let Some((path, _)) = have.iter().find(|(_, v)| v == VERSION) {
        return Ok(path.clone());
    }
    let (name, target) = (&ssh.name, &ssh.opts.ssh);
    if !same_arch(&arch) {
        return Err(RemoteError::new(
            format!(
                "{name} ({target}) is a {arch} machine and this netsh is built for {}: it cannot run a copy of it",
                std::env::consts::ARCH
            ),
            format!("install netsh {VERSION} for {arch} there and name it with host(\"{name}\", #{{ ssh: \"{target}\", netsh: \"/path/to/netsh\" }})"),
        ));
    }
    let dir = "\"$HOME/.cache/netsh\"";
    let tmp = format!("\"$HOME/.cache/netsh/.netsh-{VERSION}.$$\"");
    let script = format!(
        "mkdir -p {dir} && cat > {tmp} && chmod 755 {tmp} && mv -f {tmp} {c} && {c} --version",
        c = cached()
    );
    let out = ssh.run(&script, Some(std::path::Path::new("/proc/self/exe")))?;
    let said = String::from_utf8_lossy(&out.stdout);
    let copied = out.status.success() && said.trim() == format!("netsh {VERSION}");
    // Asked again: the far shell names the copy's path (its $HOME) as it will run it.
    let found = match copied {
        true => survey(ssh)?.1.into_iter().find(|(_, v)| v == VERSION),
        false => None,
    };
    found.map(|(path, _)| path).ok_or_else(|| {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        RemoteError::new(
            format!(
                "{name} ({target}) has no netsh {VERSION}, and copying this one into its ~/.cache/netsh failed: {err}"
            ),
            format!(
                "make ~/.cache/netsh writable there, or install netsh {VERSION} and name it with host(\"{name}\", #{{ ssh: \"{target}\", netsh: \"/path/to/netsh\" }})"
            ),
        )
    })
}
