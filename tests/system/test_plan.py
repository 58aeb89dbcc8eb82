"""metalgate plan: the JSON contract on the reference architecture, and
sticky allocations across restarts through the state directory."""

import json
import os

import pytest

from lib.metalgate import EXIT_INVALID, EXIT_OK, EXIT_USAGE

POOL = """apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool, namespace: metallb-system}
spec: {addresses: [10.20.0.0/29]}
"""


def service(name, ns="apps", extra=""):
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}, namespace: {ns}{extra}}}\n"
            f"spec: {{type: LoadBalancer, ports: [{{port: 80}}]}}\n")


def plan_json(mg, *args):
    res = mg.run("plan", *args, "-o", "json")
    assert res.rc == EXIT_OK, res.describe()
    return json.loads(res.stdout)


def ips_by_name(plan):
    return {s["name"]: s["ips"] for s in plan["services"]}


def test_seed_gives_envoy_the_first_address_announced_to_the_f5(mg, repo_root):
    p = plan_json(mg, "-f", os.path.join(repo_root, "examples", "seed"), "--node", "node-a")
    assert p["node"] == "node-a"
    envoy = next(s for s in p["services"] if s["name"] == "envoy")
    assert envoy == {"namespace": "rhcl-sandbox", "name": "envoy", "kind": "Service",
                     "ips": ["192.168.2.10"], "pool": "f5-ip-pool", "sharingKey": None,
                     "status": "allocated", "reason": None}
    ad = next(a for a in p["advertisements"] if a["prefix"] == "192.168.2.10/32")
    assert ad["services"] == ["rhcl-sandbox/envoy"]
    assert ad["peers"] == ["f5-bgp-peer"]
    assert ad["localPref"] is None and ad["communities"] == [] and ad["largeCommunities"] == []
    # No EndpointSlice for envoy in the seed: nobody may announce it yet.
    assert ad["nodes"] == [] and ad["reason"] == "no serving endpoint for rhcl-sandbox/envoy"
    assert p["peers"] == [{"name": "f5-bgp-peer", "address": "192.168.2.1", "asn": 65001,
                           "myAsn": 64512, "port": 179, "holdTime": 90, "keepaliveTime": 30,
                           "bfdProfile": None, "nodes": ["node-a"]}]


def test_text_output_names_every_section(mg, repo_root):
    res = mg.run("plan", "-f", os.path.join(repo_root, "examples", "seed"), "--node", "node-a")
    assert res.rc == EXIT_OK, res.describe()
    for word in ("SERVICES", "ADVERTISEMENTS", "PEERS", "192.168.2.10/32", "f5-bgp-peer"):
        assert word in res.stdout


def test_invalid_manifests_exit_1_with_contract_lines(mg, manifests):
    d, _ = manifests({"bad.yaml": POOL.replace("10.20.0.0/29", "10.20.0.9-10.20.0.1")})
    res = mg.run("plan", "-f", d)
    assert res.rc == EXIT_INVALID, res.describe()
    assert res.stdout == ""
    assert any("start is after end" in e.message for e in res.errors)


def test_save_needs_state(mg, manifests):
    d, _ = manifests({"a.yaml": POOL})
    assert mg.run("plan", "-f", d, "--save").rc == EXIT_USAGE
    assert mg.run("plan", "-f", d, "-o", "yaml").rc == EXIT_USAGE


def test_allocations_stick_across_restarts_and_reordering(mg, manifests, tmp_path):
    state = tmp_path / "state"
    d, _ = manifests({"pool.yaml": POOL, "c.yaml": service("c"), "d.yaml": service("d")})
    first = ips_by_name(plan_json(mg, "-f", d, "--state", state, "--save"))
    assert first == {"c": ["10.20.0.0"], "d": ["10.20.0.1"]}
    saved = json.loads((state / "allocations.json").read_text())
    assert saved["version"] == 1 and len(saved["allocations"]) == 2

    # A new Service that sorts first, and c removed: d must not move, and
    # the newcomer takes the lowest free address (c's old one).
    d2, _ = manifests({"pool.yaml": POOL, "a.yaml": service("a"), "d.yaml": service("d")},
                      subdir="m2")
    second = ips_by_name(plan_json(mg, "-f", d2, "--state", state, "--save"))
    assert second["d"] == ["10.20.0.1"]
    assert second["a"] == ["10.20.0.0"]

    # Without the state, the same manifests give the fresh allocation.
    fresh = ips_by_name(plan_json(mg, "-f", d2))
    assert fresh == {"a": ["10.20.0.0"], "d": ["10.20.0.1"]}


def test_plan_without_save_leaves_state_alone(mg, manifests, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    d, _ = manifests({"pool.yaml": POOL, "c.yaml": service("c")})
    plan_json(mg, "-f", d, "--state", state)
    assert not (state / "allocations.json").exists()


@pytest.mark.parametrize("content", ["", "{not json", '{"version": 9, "allocations": []}',
                                     "\x00\xff garbage"])
def test_corrupt_state_is_reported_and_rebuilt(mg, manifests, tmp_path, content):
    state = tmp_path / "state"
    state.mkdir()
    (state / "allocations.json").write_text(content, errors="surrogateescape")
    d, _ = manifests({"pool.yaml": POOL, "c.yaml": service("c")})
    res = mg.run("plan", "-f", d, "--state", state, "--save", "-o", "json")
    assert res.rc == EXIT_OK, res.describe()
    assert "state" in res.stderr and "corrupt" in res.stderr
    assert json.loads((state / "allocations.json").read_text())["allocations"][0]["ips"] == \
        ["10.20.0.0"]


def test_state_entry_outside_any_pool_is_released(mg, manifests, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "allocations.json").write_text(json.dumps({"version": 1, "allocations": [
        {"kind": "Service", "namespace": "apps", "name": "c", "ips": ["10.99.0.1"],
         "pool": "gone"}]}))
    d, _ = manifests({"pool.yaml": POOL, "c.yaml": service("c")})
    p = plan_json(mg, "-f", d, "--state", state)
    c = p["services"][0]
    assert c["ips"] == ["10.20.0.0"] and c["status"] == "allocated"
    assert "not allowed by config" in (c["reason"] or "")


def test_exhausted_pool_leaves_the_rest_pending(mg, manifests):
    files = {"pool.yaml": POOL.replace("10.20.0.0/29", "10.20.0.0/31")}
    for name in ("a", "b", "c"):
        files[f"{name}.yaml"] = service(name)
    d, _ = manifests(files)
    p = plan_json(mg, "-f", d)
    by = {s["name"]: s for s in p["services"]}
    assert by["a"]["ips"] == ["10.20.0.0"] and by["b"]["ips"] == ["10.20.0.1"]
    assert by["c"]["ips"] == [] and by["c"]["status"] == "pending"
    assert "no available IPs" in by["c"]["reason"]
