#!/usr/bin/env bash
# step: admin-kubeconfig
set -euo pipefail

ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
# stdout carries the file and nothing else.
main() {
    if [ ! -s "$ADMIN_CONF" ]; then
        echo "error: $ADMIN_CONF is missing: this node is not an initialised control-plane node" >&2
        exit 1
    fi
    cat "$ADMIN_CONF"
}

main "$@"
