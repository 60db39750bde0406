#!/usr/bin/env bash
# step: cni
set -euo pipefail

# Pinned releases: a cluster made today and one made next year get the same network.
FLANNEL_VERSION=v0.26.1
CALICO_VERSION=v3.32.2
FLANNEL_MANIFEST="https://github.com/flannel-io/flannel/releases/download/${FLANNEL_VERSION}/kube-flannel.yml"
TIGERA_OPERATOR_MANIFEST="https://raw.githubusercontent.com/projectcalico/calico/${CALICO_VERSION}/manifests/tigera-operator.yaml"

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf
WORK=""
trap 'rm -rf "$WORK"' EXIT

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_CNI:?PM_CNI (flannel or calico) is required}"
    : "${PM_POD_CIDR:?PM_POD_CIDR is required}"
    if ! [[ "$PM_POD_CIDR" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]]; then
        echo "error: PM_POD_CIDR must be an IPv4 CIDR, got '$PM_POD_CIDR'" >&2
        exit 1
    fi
    WORK="$(mktemp -d)"
    wait_api_answers /readyz 180 "before the CNI is applied"

    case "$PM_CNI" in
        flannel) apply_flannel ;;
        calico) apply_calico ;;
        *)
            echo "error: PM_CNI must be flannel or calico, got '$PM_CNI'" >&2
            exit 1
            ;;
    esac
    echo "pulumi-mold: cni=$PM_CNI"
}

download() {
    curl -fsSL --retry 5 --retry-delay 3 --max-time 120 "$1" -o "$2"
}

apply_flannel() {
    local manifest="$WORK/kube-flannel.yml"
    download "$FLANNEL_MANIFEST" "$manifest"
    # net-conf.json ships with 10.244.0.0/16; the cluster's pod CIDR replaces it.
    sed -i -E "s#(\"Network\": *\")[^\"]*(\")#\\1${PM_POD_CIDR}\\2#" "$manifest"
    if ! grep -q "\"Network\": *\"${PM_POD_CIDR}\"" "$manifest"; then
        echo "error: could not set the pod CIDR in flannel's net-conf.json" >&2
        exit 1
    fi
    kubectl_admin apply -f "$manifest"
}

apply_calico() {
    local operator="$WORK/tigera-operator.yaml"
    download "$TIGERA_OPERATOR_MANIFEST" "$operator"
    # Server-side apply: the operator's CRDs are too large for client-side apply's annotation.
    kubectl_admin apply --server-side --force-conflicts -f "$operator"
    # Since Calico 3.30 the operator installs its own CRDs once it runs: wait for them to exist first
    # (`kubectl wait` fails at once on a resource that is not there yet).
    local crds=(crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io)
    local deadline=$((SECONDS + 300))
    until kubectl_admin get "${crds[@]}" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: the tigera operator did not install its CRDs within 300 s" >&2
            exit 1
        fi
        sleep 5
    done
    kubectl_admin wait --for condition=established --timeout=120s "${crds[@]}"

    local installation="$WORK/installation.yaml"
    cat >"$installation" <<YAML
apiVersion: operator.tigera.io/v1
kind: Installation
metadata:
  name: default
spec:
  calicoNetwork:
    ipPools:
      - name: default-ipv4-ippool
        blockSize: 26
        cidr: ${PM_POD_CIDR}
        encapsulation: VXLANCrossSubnet
        natOutgoing: Enabled
        nodeSelector: all()
---
apiVersion: operator.tigera.io/v1
kind: APIServer
metadata:
  name: default
spec: {}
YAML
    kubectl_admin apply --server-side --force-conflicts -f "$installation"
}

# @include lib/common.sh

main "$@"
