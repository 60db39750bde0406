#!/usr/bin/env bash
# step: node-metadata
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # PM_NODES: the nodes (one a line) that get the same change, in one kubectl call each; PM_NODE: one node.
    local nodes=() line
    while IFS= read -r line; do
        line="${line//[[:space:]]/}"
        [ -n "$line" ] && nodes+=("${line,,}")
    done <<<"${PM_NODES:-${PM_NODE:-}}"
    if [ "${#nodes[@]}" -eq 0 ]; then
        echo "error: PM_NODES (node names, one a line) is required" >&2
        exit 1
    fi
    local labels remove_labels taints remove_taints
    mapfile -t labels < <(non_blank_lines "${PM_LABELS:-}")
    mapfile -t remove_labels < <(non_blank_lines "${PM_REMOVE_LABELS:-}")
    mapfile -t taints < <(non_blank_lines "${PM_TAINTS:-}")
    mapfile -t remove_taints < <(non_blank_lines "${PM_REMOVE_TAINTS:-}")

    if [ "${#remove_labels[@]}" -gt 0 ]; then
        # "key-" removes a label; one that is not there is not an error for kubectl.
        kubectl_admin label node "${nodes[@]}" "${remove_labels[@]/%/-}"
    fi
    if [ "${#labels[@]}" -gt 0 ]; then
        kubectl_admin label node "${nodes[@]}" --overwrite "${labels[@]}"
    fi

    if [ "${#remove_taints[@]}" -gt 0 ]; then
        # kubectl fails on removing a taint that is not there, so only present ones are removed (per node).
        local node present present_taints taint
        for node in "${nodes[@]}"; do
            present_taints=()
            present="$(kubectl_admin get node "$node" -o jsonpath='{range .spec.taints[*]}{.key}:{.effect}{"\n"}{end}')"
            for taint in "${remove_taints[@]}"; do
                if grep -qxF -- "$taint" <<<"$present"; then
                    present_taints+=("$taint-")
                fi
            done
            if [ "${#present_taints[@]}" -gt 0 ]; then
                kubectl_admin taint node "$node" "${present_taints[@]}"
            fi
        done
    fi
    if [ "${#taints[@]}" -gt 0 ]; then
        kubectl_admin taint node "${nodes[@]}" --overwrite "${taints[@]}"
    fi
}

non_blank_lines() {
    printf '%s\n' "$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
}

# @include lib/common.sh

main "$@"
