"""Many LoadBalancer Services, each with a ready EndpointSlice on node-a, as
YAML text: the bulk configurations of the scale tests and of
bench/bgp_convergence.py."""


def service_with_slice(i, namespace, annotations=""):
    """Service svc-<i> and its EndpointSlice svc-<i>-1, each document ended
    by "---"; annotations is a flow mapping for the Service, or empty."""
    meta = f"  annotations: {annotations}\n" if annotations else ""
    return (f"apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i}\n  namespace: {namespace}\n"
            f"{meta}spec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n---\n"
            "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n"
            f"  name: svc-{i}-1\n  namespace: {namespace}\n  labels:\n"
            f"    kubernetes.io/service-name: svc-{i}\naddressType: IPv4\n"
            "endpoints:\n- addresses: [10.0.0.1]\n  conditions: {ready: true}\n"
            "  nodeName: node-a\nports:\n- port: 8080\n---\n")
