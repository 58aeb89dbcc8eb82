"""metalgate plan on a set large enough for the planner's two-thread path
(60,000 Services: above SORT_PARALLEL_MIN, 50,000), with what makes the
order hard: creation timestamps against name order (addresses are then not
handed out in name order), shared addresses, dual stack, two
advertisements with different peers and localPrefs. The plan is checked
against rules computed here from the manifests and the plan's own
services section: nothing lost, duplicated or misordered when the halves
are joined."""

import ipaddress
import json

from lib.metalgate import EXIT_OK

N = 60000

SITE = """apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: pool-a, namespace: metallb-system}
spec: {addresses: [100.64.0.0/16, "fc00::/112"]}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: all, namespace: metallb-system}
spec: {communities: ["65000:1"]}
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: {name: web, namespace: metallb-system}
spec:
  serviceSelectors: [{matchLabels: {app: web}}]
  localPref: 300
  peers: [r2]
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r1, namespace: metallb-system}
spec: {peerAddress: 198.18.1.1, peerASN: 65001, myASN: 64512}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: r2, namespace: metallb-system}
spec: {peerAddress: 198.18.1.2, peerASN: 65001, myASN: 64512}
---
apiVersion: v1
kind: Node
metadata: {name: node-a}
"""


def services():
    """(namespace, name, is_web, has_endpoint, yaml) for N Services."""
    out = []
    for i in range(N):
        ns = f"ns-{(i * 7919) % 37}"
        name = f"svc-{(i * 104729) % 1000003}-{i}"
        web = i % 4 == 0
        served = i % 10 != 3
        meta = [f"  name: {name}", f"  namespace: {ns}"]
        if i % 3:
            # Later Services are older: processing order is not name order.
            t = N - i
            meta.append(f'  creationTimestamp: "2024-01-01T{t // 3600 % 24:02d}:'
                        f'{t // 60 % 60:02d}:{t % 60:02d}Z"')
        if i % 5 == 0:
            meta.append(f'  annotations: {{metallb.io/allow-shared-ip: "k{i % 2}"}}')
        if web:
            meta.append("  labels: {app: web}")
        policy = "  ipFamilyPolicy: PreferDualStack\n" if i % 9 == 0 else ""
        doc = ("apiVersion: v1\nkind: Service\nmetadata:\n" + "\n".join(meta) + "\n"
               f"spec:\n  type: LoadBalancer\n{policy}  ports:\n  - port: {80 if i % 2 else 443}\n")
        if served:
            doc += ("---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
                    f"  name: {name}-x\n  namespace: {ns}\n  labels:\n"
                    f"    kubernetes.io/service-name: {name}\naddressType: IPv4\n"
                    "endpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
                    "  nodeName: node-a\n")
        out.append((ns, name, web, served, doc))
    return out


def prefix_key(p):
    net = ipaddress.ip_network(p)
    return (net.version, int(net.network_address), net.prefixlen)


def test_large_plan_keeps_every_rule(mg, manifests):
    svcs = services()
    d, _ = manifests({"site.yaml": SITE,
                      "services.yaml": "---\n".join(s[4] for s in svcs)})
    res = mg.run("plan", "-f", d, "--node", "node-a", "-o", "json", timeout=300)
    assert res.rc == EXIT_OK, res.describe()
    plan = json.loads(res.stdout)

    # The services section: every Service once, in (namespace, name) byte order.
    got = [(s["namespace"].encode(), s["name"].encode()) for s in plan["services"]]
    assert got == sorted((ns.encode(), name.encode()) for ns, name, _, _, _ in svcs)
    allocated = [s for s in plan["services"] if s["ips"]]
    assert len(allocated) > N * 9 // 10

    # Expected (prefix, peers, localPref) -> services, from the services section.
    meta = {f"{ns}/{name}": (web, served) for ns, name, web, served, _ in svcs}
    want = {}
    for s in allocated:
        who = f'{s["namespace"]}/{s["name"]}'
        web, _ = meta[who]
        for ip in s["ips"]:
            plen = 32 if ipaddress.ip_address(ip).version == 4 else 128
            want.setdefault((f"{ip}/{plen}", ("r1", "r2"), None), set()).add(who)
            if web:
                want.setdefault((f"{ip}/{plen}", ("r2",), 300), set()).add(who)

    ads = plan["advertisements"]
    keys = [(a["prefix"], tuple(a["peers"]), a["localPref"]) for a in ads]
    assert len(keys) == len(set(keys)), "an advertisement was emitted twice"
    assert {k: set(a["services"]) for k, a in zip(keys, ads)} == want
    assert [prefix_key(a["prefix"]) for a in ads] == sorted(prefix_key(a["prefix"]) for a in ads)
    for a in ads:
        assert a["services"] == sorted(a["services"])
        # Announced from node-a exactly when one of its Services has an endpoint
        # (a shared address may also carry the conflicting-localPref rule).
        served = any(meta[w][1] for w in a["services"])
        if a["nodes"]:
            assert served and a["nodes"] == ["node-a"] and a["reason"] is None
        else:
            assert a["reason"], a
            assert not served or a["reason"].startswith("conflicting localPref")
