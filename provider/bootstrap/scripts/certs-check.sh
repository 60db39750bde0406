#!/usr/bin/env bash
# step: certs-check
set -euo pipefail

# shellcheck disable=SC2034 # read by lib/certs.sh, inlined below
PKI=/etc/kubernetes/pki

# One function called on the last line: bash has read the whole script before anything runs.
# Read-only: the node's clock and the expiry of the kubeadm certificates on this control-plane node.
main() {
    print_expiry
}

# @include lib/certs.sh
# @include lib/common.sh

main "$@"
