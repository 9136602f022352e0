//! `netsh agent` over a pipe, in a sandbox: the far side of a run across machines judges and
//! applies the plan's ops with a local run's code, keeps the journal in its /run/netsh, rolls
//! back what it applied, and removes the lab on `down`. Kernel state is read back with `ip`.

mod support;

use serde_json::{json, Value};
use support::sandbox;

fn op(kind: Value, line: u32) -> Value {
    json!({ "kind": kind, "at": { "line": line, "col": 1, "file": 0 } })
}

/// ns1 with a veth to the root stack and an address on its end.
fn lab_ops() -> Value {
    json!([
        op(json!({ "NetnsAdd": { "name": "ns1" } }), 1),
        op(
            json!({ "LinkAdd": { "ns": "Root", "name": "v1", "up": true, "mtu": null, "master": null,
                "kind": { "Veth": { "peer": "eth0", "peer_ns": { "Named": "ns1" } } } } }),
            2
        ),
        op(
            json!({ "AddrAdd": { "ns": { "Named": "ns1" }, "link": "eth0", "addr": "10.9.0.2/24" } }),
            3
        ),
    ])
}

fn req(v: Value) -> String {
    // Single quotes around JSON in bash: the JSON here holds none.
    format!("echo '{v}'\n")
}

/// The agent's replies, one JSON value a line, after the `### replies` marker.
fn replies(stdout: &str) -> Vec<Value> {
    let (_, r) = stdout.split_once("### replies\n").expect("replies marker");
    r.lines()
        .take_while(|l| !l.starts_with("###"))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn after<'a>(stdout: &'a str, marker: &str) -> &'a str {
    let (_, r) = stdout.split_once(marker).expect(marker);
    r.split("###").next().unwrap().trim()
}

#[test]
#[ignore = "needs iproute2"]
fn the_agent_judges_applies_and_removes_over_a_pipe() {
    let open = json!({ "req": "open", "lab": "a1", "script": null });
    let judge = json!({ "req": "judge", "ops": lab_ops() });
    let apply = json!({ "req": "apply", "ops": lab_ops() });
    let session = [
        open.clone(),
        judge,
        apply.clone(),
        apply,
        json!({ "req": "show" }),
    ]
    .into_iter()
    .map(req)
    .collect::<String>();
    let out = sandbox(&format!(
        "{{\n{session}}} | \"$NETSH\" agent > /tmp/replies.$$ || exit 1\n\
         echo '### replies'; cat /tmp/replies.$$\n\
         echo '### netns'; ip netns list | cut -d' ' -f1\n\
         echo '### addr'; ip -n ns1 -o -4 addr show dev eth0 | awk '{{print $4}}'\n\
         echo '### journal'; ls /run/netsh\n\
         {{\n{}{}}} | \"$NETSH\" agent > /tmp/replies.$$ || exit 2\n\
         echo '### down'; sed -n 3p /tmp/replies.$$\n\
         for i in $(seq 1 50); do [ \"$(ip -o link show type veth | wc -l)\" = 0 ] && break; sleep 0.1; done\n\
         echo '### netns after'; ip netns list; ip -o link show type veth | wc -l\n\
         echo '### journal after'; ls /run/netsh | grep -c jsonl\n\
         echo '### end'\n",
        req(open),
        req(json!({ "req": "down" })),
    ));
    out.assert_success();
    let r = replies(&out.stdout);
    assert_eq!(r.len(), 6, "{out}");
    assert_eq!(r[0]["reply"], "hello", "{out}");
    assert_eq!(r[1], json!({ "reply": "opened", "entries": 0 }));
    let verdicts: Vec<&str> = r[2]["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["create", "create", "create"], "{out}");
    assert_eq!(r[3]["reply"], "applied", "{out}");
    assert_eq!(
        r[3]["tally"],
        json!({ "created": 3, "changed": 0, "unchanged": 0, "adopted": 0 })
    );
    // The same ops again: a replay, nothing made.
    assert_eq!(r[4]["tally"]["created"], 0, "{out}");
    assert_eq!(r[4]["tally"]["unchanged"], 3, "{out}");
    assert_eq!(r[5]["reply"], "topology", "{out}");
    let stacks: Vec<&str> = r[5]["state"]["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(stacks.contains(&"ns1"), "{out}");
    assert_eq!(after(&out.stdout, "### netns\n"), "ns1");
    assert_eq!(after(&out.stdout, "### addr\n"), "10.9.0.2/24");
    assert!(
        after(&out.stdout, "### journal\n").contains("a1.jsonl"),
        "{out}"
    );
    let down: Value = serde_json::from_str(after(&out.stdout, "### down\n")).unwrap();
    assert_eq!(down["reply"], "down", "{out}");
    assert_eq!(down["failed"], json!([]), "{out}");
    assert_eq!(after(&out.stdout, "### netns after\n"), "0");
    assert_eq!(after(&out.stdout, "### journal after\n"), "0");
}

/// A conflict is refused at judging, named at the op's line, and nothing changes; `rollback`
/// undoes only what was applied since `open`.
#[test]
#[ignore = "needs iproute2"]
fn the_agent_refuses_a_conflict_and_rolls_back_what_it_applied() {
    let open = json!({ "req": "open", "lab": "a2", "script": null });
    let clash = json!([op(
        json!({ "LinkAdd": { "ns": "Root", "name": "taken", "up": false, "mtu": null,
            "master": null, "kind": "Bridge" } }),
        7
    )]);
    let session = [
        open,
        json!({ "req": "judge", "ops": clash }),
        json!({ "req": "apply", "ops": lab_ops() }),
        json!({ "req": "rollback" }),
        json!({ "req": "bye" }),
    ]
    .into_iter()
    .map(req)
    .collect::<String>();
    let out = sandbox(&format!(
        "ip link add taken type veth peer name taken-peer || exit 1\n\
         {{\n{session}}} | \"$NETSH\" agent > /tmp/replies.$$ || exit 2\n\
         echo '### replies'; cat /tmp/replies.$$\n\
         for i in $(seq 1 50); do [ \"$(ip -o link show type veth | wc -l)\" = 2 ] && break; sleep 0.1; done\n\
         echo '### left'; ip netns list | wc -l; ip -o link show type veth | awk -F': ' '{{print $2}}' | LC_ALL=C sort | tr '\\n' ' '\n\
         echo '### end'\n"
    ));
    out.assert_success();
    let r = replies(&out.stdout);
    assert_eq!(r.len(), 6, "{out}");
    assert_eq!(r[2]["reply"], "refused", "{out}");
    assert_eq!(r[2]["code"], "netsh::conflict", "{out}");
    assert_eq!(r[2]["at"]["line"], 7, "{out}");
    assert!(r[2]["message"].as_str().unwrap().contains("taken"), "{out}");
    assert_eq!(r[3]["tally"]["created"], 3, "{out}");
    assert_eq!(
        r[4],
        json!({ "reply": "rolled_back", "owned": 3, "failed": [] })
    );
    assert_eq!(r[5], json!({ "reply": "bye" }));
    // What stood before stays; what the agent made is gone (the kernel dismantles a deleted
    // namespace's veth in the background: the script waited for it, bounded).
    assert_eq!(
        after(&out.stdout, "### left\n"),
        "0\ntaken-peer@taken taken@taken-peer"
    );
}
