#!/usr/bin/env bash
# step: kubeadm-init
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/kubeadm-init.log"
ADMIN_CONF=/etc/kubernetes/admin.conf
# Written only once kubeadm init succeeded: admin.conf appears early in init and proves nothing.
DONE=/var/lib/pulumi-mold/kubeadm-init.done

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local name
    for name in PM_KUBERNETES_VERSION PM_NODE_NAME PM_CONTROL_PLANE_ENDPOINT PM_POD_CIDR PM_SERVICE_CIDR; do
        if [ -z "${!name:-}" ]; then
            echo "error: $name is required" >&2
            exit 1
        fi
    done
    install -d -m 0700 "$LOG_DIR"

    if [ -f "$DONE" ]; then
        echo "pulumi-mold: init=already"
        return 0
    fi

    # A run whose connection dropped may still be initialising: wait for it, then look again.
    exec 9>/run/pulumi-mold-kubeadm.lock
    flock 9
    if [ -f "$DONE" ]; then
        echo "pulumi-mold: init=already"
        return 0
    fi

    # Leftovers of an init that did not finish (kubeadm stops at its first failing phase) would make its
    # preflight fail, or leave a cluster without its later phases (addons, bootstrap tokens): start over.
    if [ -e "$ADMIN_CONF" ] || [ -e /etc/kubernetes/manifests/kube-apiserver.yaml ] || [ -e /etc/kubernetes/pki/ca.crt ]; then
        echo "an earlier kubeadm init did not finish; resetting before trying again"
        logged kubeadm reset -f
    fi

    local sans
    sans="$(printf '%s\n' "${PM_CERT_SANS:-}" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' | paste -sd, -)"
    local args=(
        init
        --control-plane-endpoint "$PM_CONTROL_PLANE_ENDPOINT"
        --upload-certs
        --pod-network-cidr "$PM_POD_CIDR"
        --service-cidr "$PM_SERVICE_CIDR"
        --kubernetes-version "v${PM_KUBERNETES_VERSION#v}"
        --node-name "$PM_NODE_NAME"
    )
    if [ -n "$sans" ]; then
        args+=(--apiserver-cert-extra-sans "$sans")
    fi
    # A private mirror (clusters without internet access): the control-plane images come from it, and the
    # cluster's kubeadm-config keeps it for joins and upgrades.
    if [ -n "${PM_IMAGE_REPOSITORY:-}" ]; then
        args+=(--image-repository "$PM_IMAGE_REPOSITORY")
    fi
    logged kubeadm "${args[@]}"

    if [ ! -f "$ADMIN_CONF" ]; then
        echo "error: kubeadm init finished without writing $ADMIN_CONF" >&2
        exit 1
    fi
    install -d -m 0755 "$(dirname "$DONE")"
    touch "$DONE"
    echo "pulumi-mold: init=done"
}

# @include lib/common.sh

main "$@"
