#!/usr/bin/env bash
# step: reset-node
set -euo pipefail

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # What became of this node's etcd member: removed, left (kubeadm reset could not remove it, and only
    # warns), or none (not a member). Reported as a result, so the caller judges a field, not kubeadm's text.
    local member=none rc=0 out
    # A node whose packages never got installed has nothing of Kubernetes to undo.
    if command -v kubeadm >/dev/null 2>&1; then
        # A stacked etcd member runs from this manifest; kubeadm reset removes the member first.
        if [ -f /etc/kubernetes/manifests/etcd.yaml ]; then
            member=removed
        fi
        out=$(mktemp -d)
        kubeadm reset -f </dev/null >"$out/stdout" 2>"$out/stderr" || rc=$?
        cat "$out/stdout"
        cat "$out/stderr" >&2
        if [ "$member" = removed ] && grep -qi 'failed to remove etcd member' "$out/stdout" "$out/stderr"; then
            member=left
        fi
        rm -rf "$out"
        if [ "$rc" -ne 0 ]; then
            exit "$rc"
        fi
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
    echo "pulumi-mold: etcd-member=$member"
}

main "$@"
