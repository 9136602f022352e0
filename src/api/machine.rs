//! `host("h150", #{ ssh: "root@192.0.2.150", port, identity, netsh })`: a host of the script
//! bound to a real machine. Its stack is that machine's own, `h150.ns("ns1")` a namespace
//! there; everything done on them is carried out on that machine (src/api/fleet_flush.rs).

use super::error::{at, fail, DslError, R};
use super::model::NsInfo;
use super::named::Named;
use super::names::check_nsname;
use super::session::{Session, Shared};
use super::stack::Stack;
use crate::lab::ssh_options::SshOptions;
use crate::sys::{At, Netns};
use rhai::{Dynamic, Engine, FuncRegistration, Map, NativeCallContext};

const OPTIONS: &str = "its options are ssh: \"root@ADDRESS\" (required), port: 22, identity: \"~/.ssh/id_ed25519\", netsh: \"/usr/local/bin/netsh\"";

fn text(key: &str, v: &Dynamic) -> Result<String, DslError> {
    v.clone().into_string().map_err(|t| {
        DslError::new(
            "netsh::option",
            format!("host option {key} must be a string, not {t}"),
            OPTIONS,
        )
    })
}

/// The options of `host(name, #{ … })`.
pub(crate) fn ssh_options(m: &Map) -> Result<SshOptions, DslError> {
    let known = ["ssh", "port", "identity", "netsh"];
    if let Some(k) = m.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(DslError::new(
            "netsh::option",
            format!("host has no option \"{k}\""),
            OPTIONS,
        ));
    }
    let Some(ssh) = m.get("ssh") else {
        return Err(DslError::new(
            "netsh::option",
            "host(name, #{ … }) needs ssh: the machine to log in to",
            "write host(\"h150\", #{ ssh: \"root@192.0.2.150\" }); host(\"h150\") alone simulates it here",
        ));
    };
    let port = match m.get("port") {
        None => None,
        Some(p) => Some(
            p.as_int()
                .ok()
                .and_then(|p| u16::try_from(p).ok())
                .filter(|p| *p > 0)
                .ok_or_else(|| {
                    DslError::new(
                        "netsh::option",
                        format!("host option port must be a port number (1-65535), not {p}"),
                        "write port: 22",
                    )
                })?,
        ),
    };
    let opt = |k: &str| m.get(k).map(|v| text(k, v)).transpose();
    Ok(SshOptions {
        ssh: text("ssh", ssh)?,
        port,
        identity: opt("identity")?,
        netsh: opt("netsh")?,
    })
}

impl Session {
    /// The host `name` is the machine `opts` reaches: bound once, the same way each time.
    pub(crate) fn bind_machine(
        &mut self,
        name: &str,
        opts: SshOptions,
        at: At,
    ) -> Result<Stack, DslError> {
        check_nsname(name)?;
        let stack = Stack {
            ns: Netns::named(name),
        };
        match (
            self.model.namespaces.get(name),
            self.fleet.machines.get(name),
        ) {
            (Some(_), Some(o)) if *o == opts => return Ok(stack),
            (Some(i), Some(o)) => {
                return Err(DslError::new(
                    "netsh::name-taken",
                    format!(
                        "{name} is already the machine {} (line {})",
                        o.ssh, i.at.line
                    ),
                    "bind each machine once, or give this one another name",
                ))
            }
            (Some(i), None) => {
                let what = if i.host {
                    "a simulated host"
                } else {
                    "a namespace"
                };
                return Err(DslError::new(
                    "netsh::name-taken",
                    format!(
                        "{name} is already {what} on this machine (line {})",
                        i.at.line
                    ),
                    format!(
                        "bind the machine first, before any host(\"{name}\") or ns(\"{name}\")"
                    ),
                ));
            }
            (None, _) => {}
        }
        self.model
            .namespaces
            .insert(name.to_string(), NsInfo { at, host: true });
        self.fleet.machines.insert(name.to_string(), opts);
        Ok(stack)
    }
}

pub(crate) fn register(engine: &mut Engine, shared: &Shared) {
    let s = shared.clone();
    FuncRegistration::new("host")
        .with_comments([
            "/// host(name, #{ ssh: \"root@ADDRESS\", port, identity, netsh }) -> Stack",
            "/// a real machine reached over ssh: its stack, and h.ns(\"ns1\") its namespaces",
        ])
        .register_named(
            engine,
            ["name", "opts"],
            move |ctx: NativeCallContext, name: &str, opts: Map| -> R<Stack> {
                let r =
                    ssh_options(&opts).and_then(|o| s.borrow_mut().bind_machine(name, o, at(&ctx)));
                r.or_else(|e| fail(&ctx, e))
            },
        );
}
