#!/usr/bin/env bash
# step: drain-node
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_NODE:?PM_NODE is required}"
    local node="${PM_NODE,,}"
    local timeout="${PM_TIMEOUT_SECONDS:-300}"
    if ! [[ "$timeout" =~ ^[0-9]+$ ]]; then
        echo "error: PM_TIMEOUT_SECONDS must be a whole number, got '$timeout'" >&2
        exit 1
    fi

    # --ignore-not-found tells "no such node" (empty answer) from an unreachable API (an error).
    if [ -z "$(kubectl_admin get node "$node" --ignore-not-found -o name)" ]; then
        echo "node $node is not in the cluster"
        echo "pulumi-mold: drained=absent"
        return 0
    fi

    # PM_SKIP_DRAIN=1: the node's VM is gone, there is nothing to evict from; only the Node object goes.
    if [ "${PM_SKIP_DRAIN:-0}" != "1" ]; then
        # Pods of a node whose kubelet is gone never finish terminating: they are not waited for past 30 s.
        if ! kubectl_admin drain "$node" --ignore-daemonsets --delete-emptydir-data --force \
            --skip-wait-for-delete-timeout=30 --timeout="${timeout}s" >&2; then
            local ready
            ready=$(kubectl_admin get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')
            if [ "$ready" = "True" ]; then
                echo "error: draining the Ready node $node failed" >&2
                exit 1
            fi
            echo "node $node is not Ready (Ready=$ready): its pods cannot be evicted; deleting it anyway" >&2
        fi
    fi
    # PM_DELETE=0: drained only. A control-plane node keeps its Node object until `kubeadm reset` on it has
    # removed its etcd member (reset finds the member through the cluster).
    if [ "${PM_DELETE:-1}" != "0" ]; then
        kubectl_admin delete node "$node" --ignore-not-found --wait=true >&2
    fi
    echo "pulumi-mold: drained=done"
}

# @include lib/common.sh

main "$@"
