//! The agent's protocol without a kernel: every message survives the wire, the wire form of
//! the first lines is pinned, and the agent answers what it cannot serve with a `failed` reply.

use super::agent::serve;
use super::proto::{
    hello, line, Applied, FarHop, FarReport, FarWhy, Judged, Reply, Request, WhyStart, WhyStarted,
    WireError, PROTOCOL,
};
use crate::lab::state::State;
use crate::plan::error::PlanError;
use crate::plan::flush::Tally;
use crate::plan::verdict::Verdict;
use crate::plan::{Echo, ExecOutput, LinkSpec, Op, OpKind, PingMode, SweepRow};
use crate::sys::{At, Netns, ObjectKey};

fn ops() -> Vec<Op> {
    let at = At {
        line: 3,
        col: 9,
        file: 0,
    };
    let veth = OpKind::LinkAdd {
        ns: Netns::Root,
        name: "v1".into(),
        kind: LinkSpec::Veth {
            peer: "eth0".into(),
            peer_ns: Netns::Named("ns1".into()),
        },
        master: Some("br0".into()),
        up: true,
        mtu: Some(1450),
    };
    let del = Op {
        del_adopted: true,
        ..Op::new(
            OpKind::LinkDel {
                ns: Netns::Root,
                name: "old".into(),
                peer: None,
            },
            at,
        )
    };
    vec![
        Op::new(OpKind::NetnsAdd { name: "ns1".into() }, at),
        Op::new(veth, at),
        Op::new(
            OpKind::AddrAdd {
                ns: Netns::Named("ns1".into()),
                link: "eth0".into(),
                addr: "10.1.1.2/24".parse().unwrap(),
            },
            at,
        ),
        del,
    ]
}

fn requests() -> Vec<Request> {
    vec![
        Request::Open {
            lab: "chapter4".into(),
            script: Some("/root/chapter4.rhai".into()),
            machine: Some("h150".into()),
        },
        Request::Judge { ops: ops() },
        Request::Apply { ops: ops() },
        Request::Rollback,
        Request::Down,
        Request::Show,
        Request::Bye,
        Request::Ping {
            ns: Netns::named("ns1"),
            dst: "10.0.0.2".parse().unwrap(),
            mode: PingMode::ExpectNot,
        },
        Request::Exec {
            ns: Netns::Root,
            cmd: "echo hi".into(),
        },
        Request::Addrs {
            stacks: vec![Netns::Root, Netns::named("ns1")],
        },
        Request::Sweep {
            rows: vec![SweepRow {
                from: Netns::named("ns1"),
                back: Some("10.0.0.1".parse().unwrap()),
                to: vec![(
                    Netns::named("h151.ns1@elsewhere"),
                    "10.0.0.2".parse().unwrap(),
                )],
            }],
        },
        Request::WhyFrom(WhyStart {
            ns: Netns::named("ns1"),
            dst: "10.9.0.1".parse().unwrap(),
            size: Some(1400),
            machines: vec!["192.0.2.1".parse().unwrap()],
        }),
    ]
}

fn replies() -> Vec<Reply> {
    let key = ObjectKey::netns("ns1");
    vec![
        hello(),
        Reply::Opened { entries: 3 },
        Reply::Verdicts {
            verdicts: vec![Judged {
                op: ops()[0].kind.clone(),
                verdict: Verdict::Create,
            }],
        },
        Reply::Applied(Applied {
            tally: Tally {
                created: 1,
                changed: 0,
                unchanged: 2,
                adopted: 1,
            },
            created: vec![key.clone()],
            unchanged: vec![key.clone()],
            adopted: vec![key],
            first_adopted: true,
            steps: vec![ops()[1].kind.clone()],
        }),
        Reply::RolledBack {
            owned: 2,
            failed: vec!["warning: cannot delete link v1: gone".into()],
        },
        Reply::Down {
            removed: 4,
            failed: vec![],
        },
        Reply::Topology {
            state: State {
                version: 1,
                lab: Some("chapter4".into()),
                stacks: vec![],
            },
        },
        Reply::Refused(WireError {
            code: "netsh::conflict".into(),
            message: "veth0 on ns1 is a bridge, not a veth".into(),
            help: Some("pick another name".into()),
            at: At {
                line: 7,
                col: 1,
                file: 0,
            },
        }),
        Reply::Failed {
            message: "no lab is open".into(),
        },
        Reply::Bye,
        Reply::Echo {
            echo: Echo::Unreachable {
                from: "10.0.0.1".parse().unwrap(),
                code: 1,
            },
        },
        Reply::Ran {
            output: ExecOutput {
                code: 2,
                out: "a\nb".into(),
                err: String::new(),
                cut: [0, 7],
            },
        },
        Reply::Addrs {
            addrs: vec![Some("192.0.2.150".parse().unwrap()), None],
        },
        Reply::Swept {
            answers: vec![vec![true, false], vec![]],
        },
        Reply::WhyFrom(WhyStarted {
            report: FarReport {
                hops: vec![FarHop {
                    at: "ns1".into(),
                    text: "route to 10.9.0.1 dev e1 src 10.9.0.2".into(),
                    ok: true,
                    unsure: false,
                    then: false,
                }],
                broken: None,
                fix: None,
            },
            other_way: None,
            tunnel: Some(FarWhy {
                remote: "192.0.2.1".parse().unwrap(),
                from: "192.0.2.150".parse().unwrap(),
                vni: 42,
                port: 4789,
                src: "10.9.0.2".parse().unwrap(),
                dst: "10.9.0.1".parse().unwrap(),
            }),
            probe: true,
        }),
    ]
}

#[test]
fn every_request_survives_the_wire() {
    for r in requests() {
        let text = line(&r);
        assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
        let back: Request = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}

#[test]
fn every_reply_survives_the_wire() {
    for r in replies() {
        let text = line(&r);
        assert_eq!(text.matches('\n').count(), 1, "one line: {text}");
        let back: Reply = serde_json::from_str(&text).unwrap();
        assert_eq!(back, r);
    }
}

#[test]
fn the_first_lines_have_a_pinned_form() {
    let arch = std::env::consts::ARCH;
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        line(&hello()),
        format!(
            "{{\"reply\":\"hello\",\"protocol\":{PROTOCOL},\"version\":\"{version}\",\"arch\":\"{arch}\"}}\n"
        )
    );
    assert_eq!(
        line(&Request::Open {
            lab: "l".into(),
            script: None,
            machine: None,
        }),
        "{\"req\":\"open\",\"lab\":\"l\",\"script\":null}\n"
    );
    assert_eq!(
        line(&Request::Judge {
            ops: vec![ops().remove(0)]
        }),
        "{\"req\":\"judge\",\"ops\":[{\"kind\":{\"NetnsAdd\":{\"name\":\"ns1\"}},\"at\":{\"line\":3,\"col\":9,\"file\":0}}]}\n"
    );
}

#[test]
fn a_refusal_comes_back_as_the_plan_error_it_was() {
    let e = PlanError::conflict("x is a bridge", "rename it").at(At {
        line: 2,
        col: 5,
        file: 0,
    });
    let wire: WireError = e.clone().into();
    let back: PlanError = serde_json::from_str::<WireError>(&line(&wire))
        .unwrap()
        .into();
    assert_eq!(back, e);
    let unknown = WireError {
        code: "netsh::from-the-future".into(),
        ..wire
    };
    assert_eq!(PlanError::from(unknown).code, "netsh::remote");
}

/// The agent's loop on text: hello first, a reply per request, `failed` for what it cannot serve.
fn session(input: &str) -> Vec<Reply> {
    let mut out = vec![];
    serve(input.as_bytes(), &mut out).unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn the_agent_says_hello_and_fails_what_it_cannot_serve() {
    let replies = session(
        "{\"req\":\"judge\",\"ops\":[]}\nnot json\n\n{\"req\":\"bye\"}\n{\"req\":\"show\"}\n",
    );
    assert_eq!(replies.len(), 4, "{replies:?}");
    assert_eq!(replies[0], hello());
    let Reply::Failed { message } = &replies[1] else {
        panic!("{replies:?}")
    };
    assert!(message.starts_with("no lab is open"), "{message}");
    let Reply::Failed { message } = &replies[2] else {
        panic!("{replies:?}")
    };
    assert!(
        message.starts_with(&format!("not a request of protocol {PROTOCOL}: ")),
        "{message}"
    );
    // After `bye` nothing more is read.
    assert_eq!(replies[3], Reply::Bye);
}

#[test]
fn the_agent_ends_with_its_input() {
    assert_eq!(session(""), vec![hello()]);
}
