#!/usr/bin/env bash
# step: wait-boot
set -euo pipefail

# Each step script is one function called on its last line: bash reads the whole text from stdin before
# anything runs, so no command can swallow the rest of the script and a truncated transfer runs nothing.
main() {
    # First boot: cloud-init installs packages and keys; later steps must not race it.
    if command -v cloud-init >/dev/null 2>&1; then
        local rc=0
        timeout 540 cloud-init status --wait >/dev/null </dev/null || rc=$?
        # 2 = finished with recoverable errors (cloud-init >= 23.4); the node is usable.
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ]; then
            echo "warning: cloud-init reported a failure (status $rc):" >&2
            cloud-init status --long </dev/null >&2 || true
        fi
    fi

    # Unattended upgrades may hold the dpkg lock for minutes after the first boot.
    local deadline=$((SECONDS + 480))
    while dpkg_locked; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: the dpkg lock is still held after 8 minutes" >&2
            exit 1
        fi
        echo "waiting for the dpkg lock"
        sleep 5
    done

    printf 'pulumi-mold: hostname=%s\n' "$(hostname)"
}

# apt and dpkg take fcntl locks, which flock(1) does not see; python3 is there wherever cloud-init is.
dpkg_locked() {
    command -v python3 >/dev/null 2>&1 || return 1
    local lock
    for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock; do
        [ -e "$lock" ] || continue
        if ! python3 -c 'import fcntl, sys; fcntl.lockf(open(sys.argv[1], "a"), fcntl.LOCK_EX | fcntl.LOCK_NB)' "$lock" 2>/dev/null </dev/null; then
            return 0
        fi
    done
    return 1
}

main "$@"
