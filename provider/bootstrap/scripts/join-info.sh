#!/usr/bin/env bash
# step: join-info
set -euo pipefail

ADMIN_CONF=/etc/kubernetes/admin.conf

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local with_key="${PM_WITH_CERTIFICATE_KEY:-0}"
    if [ "$with_key" != 0 ] && [ "$with_key" != 1 ]; then
        echo "error: PM_WITH_CERTIFICATE_KEY must be 0 or 1, got '$with_key'" >&2
        exit 1
    fi
    if [ ! -f "$ADMIN_CONF" ]; then
        echo "error: $ADMIN_CONF is missing: this node is not an initialised control-plane node" >&2
        exit 1
    fi

    # A fresh token each time: joins may come long after the cluster was made (tokens expire).
    local join_command
    join_command="$(kubeadm token create --kubeconfig "$ADMIN_CONF" --ttl 2h --print-join-command </dev/null)"
    join_command="$(printf '%s' "$join_command" | tr -s '[:space:]' ' ' | sed -e 's/^ //' -e 's/ $//')"
    if ! [[ "$join_command" =~ ^kubeadm\ join\ [^\ ]+\ --token\ [^\ ]+\ --discovery-token-ca-cert-hash\ sha256:[0-9a-f]+$ ]]; then
        echo "error: unexpected join command from kubeadm token create" >&2
        exit 1
    fi

    if [ "$with_key" = 1 ]; then
        # The uploaded certificates expire after two hours; upload them again under a new key.
        local key
        key="$(kubeadm certs certificate-key </dev/null)"
        kubeadm init phase upload-certs --upload-certs --certificate-key "$key" --kubeconfig "$ADMIN_CONF" </dev/null >&2
    fi

    echo "pulumi-mold: join-command=$join_command"
    if [ "$with_key" = 1 ]; then
        echo "pulumi-mold: certificate-key=$key"
    fi
}

main "$@"
