# etcdctl against this node's own stacked etcd member, for the etcd-* steps. stepScript() inlines this file
# where a step says `# @include lib/etcd.sh`.
# shellcheck shell=bash

ETCD_MANIFEST=/etc/kubernetes/manifests/etcd.yaml
ETCD_PKI=/etc/kubernetes/pki/etcd

# A node without kubeadm's etcd manifest runs no member: nothing for etcdctl to reach on 127.0.0.1:2379.
require_etcd_member() {
    if [ ! -f "$ETCD_MANIFEST" ]; then
        echo "error: $ETCD_MANIFEST is missing: this node runs no etcd member" >&2
        exit 1
    fi
}

# etcdctl with kubeadm's healthcheck client certificate: the host's etcdctl when installed, otherwise the one
# in the etcd static pod's container (its image ships etcdctl; /var/lib/etcd and the certificates are
# mounted from the host at the same paths).
etcdctl_local() {
    local args=(--endpoints=https://127.0.0.1:2379 --cacert="$ETCD_PKI/ca.crt"
        --cert="$ETCD_PKI/healthcheck-client.crt" --key="$ETCD_PKI/healthcheck-client.key")
    if command -v etcdctl >/dev/null 2>&1; then
        ETCDCTL_API=3 etcdctl "${args[@]}" "$@" </dev/null
        return
    fi
    local id
    id="$(crictl --runtime-endpoint unix:///run/containerd/containerd.sock ps --name '^etcd$' --state running -q 2>/dev/null | head -n 1)"
    if [ -z "$id" ]; then
        echo "error: no running etcd container on this node (and no etcdctl installed)" >&2
        return 1
    fi
    crictl --runtime-endpoint unix:///run/containerd/containerd.sock exec "$id" etcdctl "${args[@]}" "$@" </dev/null
}
