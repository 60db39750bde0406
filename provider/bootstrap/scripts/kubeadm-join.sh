#!/usr/bin/env bash
# step: kubeadm-join
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/kubeadm-join.log"
KUBELET_CONF=/etc/kubernetes/kubelet.conf
# Written only once kubeadm join succeeded: kubelet.conf appears before a control-plane join's etcd phase.
DONE=/var/lib/pulumi-mold/kubeadm-join.done

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_JOIN_COMMAND:?PM_JOIN_COMMAND is required}"
    : "${PM_NODE_NAME:?PM_NODE_NAME is required}"
    local control_plane="${PM_CONTROL_PLANE:-0}"
    if [ "$control_plane" != 0 ] && [ "$control_plane" != 1 ]; then
        echo "error: PM_CONTROL_PLANE must be 0 or 1, got '$control_plane'" >&2
        exit 1
    fi
    install -d -m 0700 "$LOG_DIR"

    if [ -f "$DONE" ]; then
        echo "pulumi-mold: join=already"
        return 0
    fi

    # A run whose connection dropped may still be joining: wait for it, then look again.
    exec 9>/run/pulumi-mold-kubeadm.lock
    flock 9
    if [ -f "$DONE" ]; then
        echo "pulumi-mold: join=already"
        return 0
    fi

    # The join command is split into words, never evaluated: it comes from another node.
    local words
    read -r -a words <<<"$PM_JOIN_COMMAND"
    if [ "${#words[@]}" -lt 3 ] || [ "${words[0]}" != kubeadm ] || [ "${words[1]}" != join ]; then
        echo "error: PM_JOIN_COMMAND is not a 'kubeadm join' command" >&2
        exit 1
    fi
    local args=("${words[@]:1}" --node-name "$PM_NODE_NAME")
    if [ "$control_plane" = 1 ]; then
        : "${PM_CERTIFICATE_KEY:?PM_CERTIFICATE_KEY is required to join the control plane}"
        args+=(--control-plane --certificate-key "$PM_CERTIFICATE_KEY")
    fi

    # Leftovers of a join that died before the kubelet was configured would fail kubeadm's preflight.
    if [ -e "$KUBELET_CONF" ] || [ -e /etc/kubernetes/pki/ca.crt ] || [ -e /etc/kubernetes/bootstrap-kubelet.conf ]; then
        echo "an earlier kubeadm join did not finish; resetting before trying again"
        logged kubeadm reset -f
    fi

    logged kubeadm "${args[@]}"
    if [ ! -f "$KUBELET_CONF" ]; then
        echo "error: kubeadm join finished without writing $KUBELET_CONF" >&2
        exit 1
    fi
    install -d -m 0755 "$(dirname "$DONE")"
    touch "$DONE"
    echo "pulumi-mold: join=done"
}

# @include lib/common.sh

main "$@"
