#!/usr/bin/python3
"""Writes N valid manifests for bench/check_scale.sh, mixed like a large site:
per 20 objects, 1 IPAddressPool, 6 Services, 1 Gateway, 8 HTTPRoutes and 4
RateLimitPolicies (plus one GatewayClass), in multi-document files of 100
objects, namespaces ns-0..ns-99. Pools never overlap; every reference
resolves. Deterministic: the same N gives the same files.

Usage: gen_manifests.py N DIR
"""

import os
import sys

MIX = ["pool"] + ["service"] * 6 + ["gateway"] + ["route"] * 8 + ["rlp"] * 4
PER_FILE = 100


def pool(i):
    # 10.(i/16).(i%16*16).0/28: distinct /28s for up to 4096 pools, then 172.16/12.
    if i < 4096:
        cidr = f"10.{i // 16}.{(i % 16) * 16}.0/28"
    else:
        j = i - 4096
        cidr = f"172.{16 + j // 4096}.{(j // 16) % 256}.{(j % 16) * 16}/28"
    return f"""apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: pool-{i}
  namespace: metallb-system
spec:
  addresses:
    - {cidr}
  autoAssign: true
"""


def service(i, ns, npools):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: {ns}
  annotations:
    metallb.io/address-pool: pool-{i % npools}
spec:
  type: LoadBalancer
  selector:
    app: svc-{i}
  ports:
    - name: http
      protocol: TCP
      port: 80
      targetPort: 8080
"""


def gateway(i, ns):
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw-{i}
  namespace: {ns}
spec:
  gatewayClassName: metalgate
  listeners:
    - name: http
      protocol: HTTP
      port: 80
      hostname: "*.gw-{i}.example.com"
      allowedRoutes:
        namespaces:
          from: Same
"""


def route(i, ns, gw, svc):
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-{i}
  namespace: {ns}
spec:
  parentRefs:
    - name: gw-{gw}
      sectionName: http
  hostnames:
    - app-{i}.gw-{gw}.example.com
  rules:
    - matches:
        - path:
            type: PathPrefix
            value: /api/v{i % 3 + 1}
      backendRefs:
        - name: svc-{svc}
          port: 80
"""


def rlp(i, ns, rt):
    return f"""apiVersion: kuadrant.io/v1
kind: RateLimitPolicy
metadata:
  name: route-{rt}-rlp
  namespace: {ns}
spec:
  targetRef:
    group: gateway.networking.k8s.io
    kind: HTTPRoute
    name: route-{rt}
  limits:
    "per-client-{i}":
      rates:
        - limit: {10 + i % 90}
          window: {1 + i % 59}s
"""


GATEWAYCLASS = """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: metalgate
spec:
  controllerName: metalgate.io/gateway-controller
"""


def objects(n):
    """Yields the text of n objects. Object k is of kind MIX[k % 20] in group
    g = k // 20; everything a group's objects refer to is in the same group
    (and so in the same namespace): routes attach to the group's Gateway and
    send to its Services, policies target its routes."""
    yield GATEWAYCLASS
    npools = max(1, (n - 1 + len(MIX) - 1) // len(MIX))
    per_group = {kind: MIX.count(kind) for kind in set(MIX)}
    count = {kind: 0 for kind in set(MIX)}
    for k in range(n - 1):
        kind = MIX[k % len(MIX)]
        i = count[kind]
        count[kind] += 1
        g = k // len(MIX)
        ns = f"ns-{g % 100}"
        if kind == "pool":
            yield pool(i)
        elif kind == "service":
            yield service(i, ns, npools)
        elif kind == "gateway":
            yield gateway(i, ns)
        elif kind == "route":
            yield route(i, ns, g, g * per_group["service"] + i % per_group["service"])
        else:
            # the group's routes come before its policies in MIX
            rt = g * per_group["route"] + (i % per_group["rlp"]) * 2
            yield rlp(i, ns, rt)


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit() or int(argv[1]) < 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    n, out = int(argv[1]), argv[2]
    os.makedirs(out, exist_ok=True)
    docs = list(objects(n))
    for f in range(0, len(docs), PER_FILE):
        with open(os.path.join(out, f"objects-{f // PER_FILE:04d}.yaml"), "w") as fh:
            fh.write("---\n".join(docs[f:f + PER_FILE]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
