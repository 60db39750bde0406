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

    kubectl_admin drain "$node" --ignore-daemonsets --delete-emptydir-data --force --timeout="${timeout}s" >&2
    kubectl_admin delete node "$node" --ignore-not-found --wait=true >&2
    echo "pulumi-mold: drained=done"
}

# @include lib/common.sh

main "$@"
