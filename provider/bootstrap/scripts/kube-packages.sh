#!/usr/bin/env bash
# step: kube-packages
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/kube-packages.log"

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_KUBERNETES_VERSION:?PM_KUBERNETES_VERSION (x.y.z) is required}"
    local version="$PM_KUBERNETES_VERSION"
    if ! [[ "$version" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]]; then
        echo "error: PM_KUBERNETES_VERSION must be x.y.z, got '$version'" >&2
        exit 1
    fi
    local minor="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
    # An upgrade moves kubeadm first (PM_PACKAGES=kubeadm), then kubelet and kubectl once the node is drained.
    local packages=() pkg
    read -r -a packages <<<"${PM_PACKAGES:-kubelet kubeadm kubectl}"
    for pkg in "${packages[@]}"; do
        case "$pkg" in
            kubelet | kubeadm | kubectl) ;;
            *)
                echo "error: PM_PACKAGES may list kubelet, kubeadm and kubectl only, got '$pkg'" >&2
                exit 1
                ;;
        esac
    done
    install -d -m 0700 "$LOG_DIR"
    step_lock kube-packages
    logged dpkg --configure -a

    local missing=()
    for pkg in apt-transport-https ca-certificates curl; do
        package_installed "$pkg" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        logged apt_get update
        logged apt_get install --no-install-recommends "${missing[@]}"
    fi

    # One repository per minor release; apt reads the ASCII-armoured key directly (no gpg needed).
    local repo="https://pkgs.k8s.io/core:/stable:/v${minor}/deb/"
    local keyring="/etc/apt/keyrings/kubernetes-v${minor}.asc"
    local list=/etc/apt/sources.list.d/kubernetes.list
    local entry="deb [signed-by=${keyring}] ${repo} /"
    local refreshed=0
    if [ ! -s "$keyring" ]; then
        install -d -m 0755 /etc/apt/keyrings
        curl -fsSL --retry 5 --retry-delay 3 --max-time 120 "${repo}Release.key" -o "$keyring.tmp"
        chmod 0644 "$keyring.tmp"
        mv "$keyring.tmp" "$keyring"
    fi
    if [ ! -f "$list" ] || [ "$(cat "$list")" != "$entry" ]; then
        printf '%s\n' "$entry" >"$list"
        refreshed=1
    fi
    if [ "$refreshed" = 1 ] || [ -z "$(package_version_for kubeadm "$version")" ]; then
        logged apt_get update
    fi

    # pkgs.k8s.io names its builds <x.y.z>-<revision>; take the newest revision of the wanted version.
    local deb_version
    deb_version="$(package_version_for kubeadm "$version")"
    if [ -z "$deb_version" ]; then
        echo "error: $repo has no kubeadm $version" >&2
        exit 1
    fi

    local outdated=() kubelet_moved=0
    for pkg in "${packages[@]}"; do
        if [ "$(installed_version "$pkg")" != "$deb_version" ]; then
            outdated+=("$pkg")
            [ "$pkg" != kubelet ] || kubelet_moved=1
        fi
    done
    if [ "${#outdated[@]}" -gt 0 ]; then
        logged apt-mark unhold "${outdated[@]}"
        logged apt_get install --no-install-recommends --allow-downgrades --allow-change-held-packages "${outdated[@]/%/=$deb_version}"
        echo "${outdated[*]} $deb_version installed"
    fi
    # Held, so an unattended upgrade never moves the node to another Kubernetes version.
    logged apt-mark hold kubelet kubeadm kubectl
    systemctl enable kubelet >/dev/null 2>&1
    # A kubelet that moved on a running node starts its new binary now (a fresh node's starts at join).
    if [ "$kubelet_moved" = 1 ] && systemctl is-active --quiet kubelet; then
        systemctl daemon-reload
        systemctl restart kubelet
        echo "pulumi-mold: kubelet-restarted=1"
    fi

    # As kubeadm prints it: v<x.y.z>.
    local kubeadm_version
    kubeadm_version="$(kubeadm version -o short </dev/null)"
    if [[ " ${packages[*]} " == *" kubeadm "* ]] && [ "$kubeadm_version" != "v$version" ]; then
        echo "error: kubeadm reports $kubeadm_version after installing $deb_version" >&2
        exit 1
    fi
    printf 'pulumi-mold: kubeadm-version=%s\n' "$kubeadm_version"
}

installed_version() {
    if package_installed "$1"; then
        dpkg-query -W -f='${Version}' "$1"
    fi
}

package_version_for() {
    apt-cache madison "$1" 2>/dev/null | awk -v prefix="$2-" '
        { v = $3; if (index(v, prefix) == 1) { print v; exit } }'
}

# @include lib/common.sh

main "$@"
