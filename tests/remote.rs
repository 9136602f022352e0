//! Real machines over SSH, simulated: each machine is a network and mount namespace of its own
//! running sshd on a LAN inside the test's sandbox (tests/support/machines.rs).

mod support;

use support::machines::MACHINES;
use support::sandbox;

/// The names of the links in `ip -j link` output.
fn link_names(json: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json.trim())
        .unwrap_or_else(|e| panic!("not ip -j link output ({e}): {json}"));
    let mut names: Vec<String> = v
        .as_array()
        .expect("a JSON array")
        .iter()
        .filter_map(|l| l["ifname"].as_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// The harness itself: two machines answer over ssh, each with its own links only.
#[test]
#[ignore = "needs openssh-server, openssh-client, iproute2"]
fn each_machine_answers_over_ssh_with_its_own_links() {
    let out = sandbox(&format!(
        "{MACHINES}\n\
         lan_up || exit 1\n\
         machine h150 192.0.2.150 || exit 2\n\
         machine h151 192.0.2.151 || exit 3\n\
         ip link add only-controller type bridge\n\
         on h150 ip link add only-h150 type bridge || exit 4\n\
         ssh -F \"$SSH_CONFIG\" root@192.0.2.150 ip -j link || exit 5\n\
         echo '###'\n\
         on h151 ip -j link || exit 6\n"
    ));
    out.assert_success();
    let (h150, h151) = out.stdout.split_once("###").expect("two answers");
    assert_eq!(link_names(h150), ["eth0", "lo", "only-h150"], "{out}");
    assert_eq!(link_names(h151), ["eth0", "lo"], "{out}");
}
