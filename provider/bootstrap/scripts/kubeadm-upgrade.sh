#!/usr/bin/env bash
# step: kubeadm-upgrade
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/kubeadm-upgrade.log"
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf
KUBELET_CONF=/etc/kubernetes/kubelet.conf
APISERVER_MANIFEST=/etc/kubernetes/manifests/kube-apiserver.yaml
DONE_DIR=/var/lib/pulumi-mold

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_KUBERNETES_VERSION:?PM_KUBERNETES_VERSION (x.y.z) is required}"
    local version="$PM_KUBERNETES_VERSION" mode="${PM_MODE:-node}"
    if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        echo "error: PM_KUBERNETES_VERSION must be x.y.z, got '$version'" >&2
        exit 1
    fi
    if [ "$mode" != apply ] && [ "$mode" != node ]; then
        echo "error: PM_MODE must be apply or node, got '$mode'" >&2
        exit 1
    fi
    install -d -m 0700 "$LOG_DIR"
    # A rerun after a dropped connection waits for the first run, which goes on on the node.
    step_lock kubeadm-upgrade

    local done_file="$DONE_DIR/kubeadm-upgrade-v$version.done"
    if [ -f "$done_file" ] || { [ -f "$APISERVER_MANIFEST" ] && grep -q "kube-apiserver:v$version\$" "$APISERVER_MANIFEST" && [ "$(cluster_version)" = "v$version" ]; }; then
        echo "pulumi-mold: upgrade=already"
        return 0
    fi

    local kubeadm_version
    kubeadm_version="$(kubeadm version -o short </dev/null)"
    if [ "$kubeadm_version" != "v$version" ]; then
        echo "error: kubeadm is $kubeadm_version, not v$version: upgrade the kubeadm package first (kube-packages with PM_PACKAGES=kubeadm)" >&2
        exit 1
    fi

    if [ "$mode" = apply ]; then
        # The plan refuses what apply would refuse (a skipped minor, a downgrade, skew) without changing anything.
        logged kubeadm upgrade plan "v$version"
        logged kubeadm upgrade apply -y "v$version"
    else
        local cluster
        cluster="$(cluster_version)"
        if [ "$cluster" != "v$version" ]; then
            echo "error: the cluster is at ${cluster:-an unknown version}, not v$version: kubeadm upgrade apply v$version must run on the first control-plane node first" >&2
            exit 1
        fi
        logged kubeadm upgrade node
    fi
    install -d -m 0755 "$DONE_DIR"
    touch "$done_file"
    echo "pulumi-mold: upgrade=done"
}

# The cluster's kubernetesVersion from the kubeadm-config ConfigMap (nodes may read it with kubelet.conf).
cluster_version() {
    local conf="$ADMIN_CONF"
    [ -f "$conf" ] || conf="$KUBELET_CONF"
    kubectl --kubeconfig "$conf" -n kube-system get configmap kubeadm-config -o 'jsonpath={.data.ClusterConfiguration}' </dev/null 2>/dev/null |
        awk '$1 == "kubernetesVersion:" { print $2 }'
}

# @include lib/common.sh

main "$@"
