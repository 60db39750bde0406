#!/usr/bin/env bash
# step: wait-ready
set -euo pipefail

ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_NODES:?PM_NODES (node names, one a line) is required}"
    local timeout="${PM_TIMEOUT_SECONDS:-600}"
    if ! [[ "$timeout" =~ ^[0-9]+$ ]]; then
        echo "error: PM_TIMEOUT_SECONDS must be a whole number, got '$timeout'" >&2
        exit 1
    fi

    local nodes=() line
    while IFS= read -r line; do
        line="${line//[[:space:]]/}"
        [ -n "$line" ] && nodes+=("${line,,}")
    done <<<"$PM_NODES"

    # One kubectl call per look answers for every node (a call per node made a look of a 20-node group take
    # seconds); a look every 2 s notices the last node soon after it turns Ready.
    local deadline=$((SECONDS + timeout)) not_ready=() node statuses
    while :; do
        not_ready=()
        statuses="$(ready_statuses)"
        for node in "${nodes[@]}"; do
            grep -qxF -- "$node True" <<<"$statuses" || not_ready+=("$node")
        done
        if [ "${#not_ready[@]}" -eq 0 ]; then
            echo "ready: ${nodes[*]}"
            return 0
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: not Ready after ${timeout}s: ${not_ready[*]}" >&2
            exit 1
        fi
        sleep 2
    done
}

# "<name> <Ready status>" lines, one per node of the cluster.
ready_statuses() {
    kubectl --kubeconfig "$ADMIN_CONF" get nodes \
        -o jsonpath='{range .items[*]}{.metadata.name}{" "}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' </dev/null 2>/dev/null || true
}

main "$@"
