#!/usr/bin/env bash
# step: certs-renew
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/certs.sh, inlined below
PKI=/etc/kubernetes/pki
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf
MANIFESTS=/etc/kubernetes/manifests
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG=/var/log/pulumi-mold-certs-renew.log

# One function called on the last line: bash has read the whole script before anything runs.
# Renews this control-plane node's kubeadm certificates when the earliest expires within PM_RENEW_WITHIN_SECONDS
# of the node's clock (a rerun after a cut finds them fresh: renewed=already), then restarts the static pods so
# they load the new certificates and waits for the local API server.
main() {
    local within="${PM_RENEW_WITHIN_SECONDS:?PM_RENEW_WITHIN_SECONDS is required}"
    if ! [[ "$within" =~ ^[0-9]+$ ]]; then
        echo "error: PM_RENEW_WITHIN_SECONDS must be a whole number, got '$within'" >&2
        exit 1
    fi
    step_lock certs-renew
    local earliest
    earliest=$(earliest_expiry)
    if [ "$(date -u -d "$earliest" +%s)" -gt "$(($(date -u +%s) + within))" ]; then
        echo "pulumi-mold: renewed=already"
        print_expiry
        return 0
    fi
    logged kubeadm certs renew all
    restart_static_pods
    wait_api_answers /healthz 300 "after the renewal"
    echo "pulumi-mold: renewed=done"
    print_expiry
}

# Static pods restart when their manifest goes away and comes back (kubeadm's documented way).
restart_static_pods() {
    local parked=/etc/kubernetes/manifests.pulumi-mold-parked
    mkdir -p "$parked"
    # A previous run cut mid-restart left manifests parked: they go back first.
    if compgen -G "$parked/*.yaml" >/dev/null; then mv -f "$parked"/*.yaml "$MANIFESTS"/; sleep 5; fi
    local m
    for m in kube-apiserver kube-controller-manager kube-scheduler etcd; do
        [ -f "$MANIFESTS/$m.yaml" ] || continue
        mv -f "$MANIFESTS/$m.yaml" "$parked/"
        wait_gone "$m"
        mv -f "$parked/$m.yaml" "$MANIFESTS/"
    done
    rmdir "$parked" 2>/dev/null || true
}

wait_gone() {
    local deadline=$((SECONDS + 120))
    while [ -n "$(crictl ps -q --name "^$1" 2>/dev/null)" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: the $1 container did not stop within 120s" >&2
            exit 1
        fi
        sleep 2
    done
}

# @include lib/certs.sh
# @include lib/common.sh

main "$@"
