#!/usr/bin/env bash
# step: containerd
set -euo pipefail

LOG_DIR=/var/log/pulumi-mold
# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
LOG="$LOG_DIR/containerd.log"
GENERATED=""
trap 'rm -f "$GENERATED"' EXIT

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

    systemctl enable containerd >/dev/null 2>&1
    if [ -f "$conf" ] && cmp -s "$generated" "$conf"; then
        # Unchanged: no restart, running containers keep going.
        systemctl start containerd
        echo "$conf unchanged"
    else
        install -d -m 0755 /etc/containerd
        install -m 0644 "$generated" "$conf"
        systemctl restart containerd
        echo "$conf written, containerd restarted"
    fi

    if ! systemctl is-active --quiet containerd; then
        echo "error: containerd is not running" >&2
        systemctl status containerd --no-pager >&2 || true
        exit 1
    fi
}

# @include lib/common.sh

main "$@"
