#!/usr/bin/env bash
# step: node-health
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # Read-only: every node's Ready condition and since when, one result line per node.
    local template
    template='{range .items[*]}{"pulumi-mold: node="}{.metadata.name}{" ready="}{.status.conditions[?(@.type=="Ready")].status}{" since="}{.status.conditions[?(@.type=="Ready")].lastTransitionTime}{"\n"}{end}'
    kubectl_admin get nodes -o "jsonpath=$template"
    # The cluster's clock (this control-plane node's), against which the transition times are judged: the
    # machine running Pulumi may be minutes off.
    echo "pulumi-mold: now=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# @include lib/common.sh

main "$@"
