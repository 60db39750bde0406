#!/usr/bin/env bash
# step: reset-node
set -euo pipefail

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # A node whose packages never got installed has nothing of Kubernetes to undo.
    if command -v kubeadm >/dev/null 2>&1; then
        # On a control-plane node kubeadm also removes this node's etcd member.
        kubeadm reset -f </dev/null
    fi

    # What kubeadm reset leaves behind: CNI configuration and interfaces, the admin's kubeconfig.
    rm -rf /etc/cni/net.d /var/lib/cni /root/.kube /etc/kubernetes /var/lib/etcd
    # The node may be joined again (by this or another cluster).
    rm -f /var/lib/pulumi-mold/kubeadm-init.done /var/lib/pulumi-mold/kubeadm-join.done
    local link
    for link in cni0 flannel.1 vxlan.calico tunl0; do
        if ip link show "$link" >/dev/null 2>&1; then
            ip link delete "$link" 2>/dev/null || true
        fi
    done
    echo "node reset"
}

main "$@"
