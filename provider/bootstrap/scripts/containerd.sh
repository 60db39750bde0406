#!/usr/bin/env bash
# step: containerd
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/containerd.log"
GENERATED=""
trap 'rm -f "$GENERATED"' EXIT
CERTS_D=/etc/containerd/certs.d
# The registry directories this step wrote, so a mirror taken away is taken off the node too.
MIRROR_LIST="$CERTS_D/.pulumi-mold"
REGISTRY_CHANGED=0

# Installs $2 as $1 (mode $3) unless it is there already; status 0 when the file changed.
install_if_changed() {
    if [ -f "$1" ] && cmp -s "$2" "$1"; then
        return 1
    fi
    install -d -m 0755 "$(dirname "$1")"
    install -m "$3" "$2" "$1"
}

# hosts.toml for every registry (_default) and for the mirror's own host: pulls go to the mirror with its
# credentials and CA. Sets REGISTRY_CHANGED=1 when anything changed (not a status: set -e stays in force).
write_mirror() {
    local mirror="${PM_REGISTRY_MIRROR%/}" host dir tmp url
    host="${mirror#*://}"
    host="${host%%/*}"
    tmp="$(mktemp -d)"
    for dir in _default "$host"; do
        # Other registries' images go to the mirror's URL (its path is the API root); images named after the
        # mirror itself (kubeadm's imageRepository) carry the path already, so their host is the bare origin.
        url="$mirror"
        if [ "$dir" = "$host" ]; then
            url="${mirror%%://*}://$host"
        fi
        {
            echo "# written by pulumi-mold (containerd step)"
            if [ "$dir" = "$host" ]; then
                echo "server = \"$url\""
            fi
            echo ""
            echo "[host.\"$url\"]"
            echo "  capabilities = [\"pull\", \"resolve\"]"
            if [ -n "${PM_REGISTRY_CA_CERT:-}" ]; then
                echo "  ca = \"$CERTS_D/$dir/ca.crt\""
            fi
            if [ -n "${PM_REGISTRY_USERNAME:-}" ]; then
                echo "  [host.\"$url\".header]"
                echo "    authorization = \"Basic $(printf '%s:%s' "$PM_REGISTRY_USERNAME" "${PM_REGISTRY_PASSWORD:-}" | base64 -w0)\""
            fi
        } >"$tmp/hosts.toml"
        if install_if_changed "$CERTS_D/$dir/hosts.toml" "$tmp/hosts.toml" 0600; then REGISTRY_CHANGED=1; fi
        if [ -n "${PM_REGISTRY_CA_CERT:-}" ]; then
            printf '%s' "$PM_REGISTRY_CA_CERT" | base64 -d >"$tmp/ca.crt"
            if install_if_changed "$CERTS_D/$dir/ca.crt" "$tmp/ca.crt" 0644; then REGISTRY_CHANGED=1; fi
        elif [ -f "$CERTS_D/$dir/ca.crt" ]; then
            rm -f "$CERTS_D/$dir/ca.crt"
            REGISTRY_CHANGED=1
        fi
    done
    printf '%s\n' _default "$host" >"$tmp/list"
    if install_if_changed "$MIRROR_LIST" "$tmp/list" 0600; then REGISTRY_CHANGED=1; fi
    rm -rf "$tmp"
}

# No mirror asked for: the registry directories an earlier run wrote go.
remove_mirror() {
    [ -f "$MIRROR_LIST" ] || return 0
    local dir
    while IFS= read -r dir; do
        [ -n "$dir" ] && rm -rf "${CERTS_D:?}/$dir"
    done <"$MIRROR_LIST"
    rm -f "$MIRROR_LIST"
    REGISTRY_CHANGED=1
}

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    install -d -m 0700 "$LOG_DIR"
    step_lock containerd

    if ! package_installed containerd; then
        # Finish a dpkg run cut short by an earlier attempt whose connection dropped.
        logged dpkg --configure -a
        logged apt_get update
        logged apt_get install --no-install-recommends containerd
        echo "containerd installed"
    fi

    # The kubelet uses the systemd cgroup driver (kubeadm's default); containerd must match.
    local conf=/etc/containerd/config.toml
    GENERATED="$(mktemp)"
    local generated="$GENERATED"
    containerd config default >"$generated"
    sed -i -E 's/^([[:space:]]*)SystemdCgroup = false/\1SystemdCgroup = true/' "$generated"
    if ! grep -Eq '^[[:space:]]*SystemdCgroup = true' "$generated"; then
        echo "error: this containerd's default configuration has no SystemdCgroup setting to turn on" >&2
        exit 1
    fi
    if [ -n "${PM_REGISTRY_MIRROR:-}" ]; then
        # Registry hosts come from certs.d (hosts.toml per registry), where the mirror is configured below.
        sed -i -E "s#^([[:space:]]*)config_path = .*#\1config_path = \"$CERTS_D\"#" "$generated"
        if ! grep -Eq "^[[:space:]]*config_path = \"$CERTS_D\"" "$generated"; then
            echo "error: this containerd's default configuration has no registry config_path setting" >&2
            exit 1
        fi
        write_mirror
    else
        remove_mirror
    fi

    systemctl enable containerd >/dev/null 2>&1
    if [ -f "$conf" ] && cmp -s "$generated" "$conf" && [ "$REGISTRY_CHANGED" = 0 ]; then
        # Unchanged: no restart, running containers keep going.
        systemctl start containerd
        echo "$conf unchanged"
    else
        install -d -m 0755 /etc/containerd
        install -m 0644 "$generated" "$conf"
        systemctl restart containerd
        echo "$conf and registry hosts written, containerd restarted"
    fi

    if ! systemctl is-active --quiet containerd; then
        echo "error: containerd is not running" >&2
        systemctl status containerd --no-pager >&2 || true
        exit 1
    fi
}

# @include lib/common.sh

main "$@"
