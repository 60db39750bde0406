#!/usr/bin/env bash
# step: uncordon-node
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_NODE:?PM_NODE is required}"
    local node="${PM_NODE,,}"
    local cordoned
    cordoned="$(kubectl_admin get node "$node" -o 'jsonpath={.spec.unschedulable}')"
    if [ "$cordoned" != true ]; then
        echo "pulumi-mold: uncordoned=already"
        return 0
    fi
    kubectl_admin uncordon "$node" >&2
    echo "pulumi-mold: uncordoned=done"
}

# @include lib/common.sh

main "$@"
