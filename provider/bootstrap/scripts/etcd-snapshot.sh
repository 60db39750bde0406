#!/usr/bin/env bash
# step: etcd-snapshot
set -euo pipefail

# @include lib/etcd.sh

SNAPSHOT_DIR=/var/lib/pulumi-mold/etcd

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local name="${PM_SNAPSHOT:-}" keep="${PM_KEEP:-}"
    if ! [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*\.db$ ]]; then
        echo "error: PM_SNAPSHOT must be a file name ending in .db, got '$name'" >&2
        exit 1
    fi
    if ! [[ "$keep" =~ ^[0-9]+$ ]] || [ "$keep" -lt 1 ] || [ "$keep" -gt 100 ]; then
        echo "error: PM_KEEP must be a number from 1 to 100, got '$keep'" >&2
        exit 1
    fi
    require_etcd_member
    mkdir -p "$SNAPSHOT_DIR"
    chmod 700 "$SNAPSHOT_DIR"
    local path="$SNAPSHOT_DIR/$name" state=already revision=""
    # The caller names the file: a rerun after a dropped connection finds it and takes no second snapshot.
    if [ ! -f "$path" ]; then
        state="done"
        revision="$(etcdctl_local endpoint status -w json | grep -o '"revision":[0-9]*' | head -n 1 | cut -d: -f2 || true)"
        # Saved inside etcd's data directory (the same path in the etcd container), then moved: a file in
        # SNAPSHOT_DIR is always a complete snapshot.
        local part=/var/lib/etcd/pulumi-mold-snapshot.part
        rm -f "$part"
        etcdctl_local snapshot save "$part"
        mv "$part" "$path"
        chmod 600 "$path"
    fi
    local taken_at
    taken_at="$(date -u -r "$path" +%Y-%m-%dT%H:%M:%SZ)"

    # Keep the newest PM_KEEP snapshots: their names sort by time.
    local pruned=0 old
    while IFS= read -r old; do
        [ -n "$old" ] || continue
        rm -f "$old"
        echo "removed old snapshot $old"
        pruned=$((pruned + 1))
    done < <(find "$SNAPSHOT_DIR" -maxdepth 1 -name '*.db' -type f | sort | head -n "-$keep")

    echo "pulumi-mold: snapshot=$state"
    echo "pulumi-mold: path=$path"
    echo "pulumi-mold: taken-at=$taken_at"
    if [ -n "$revision" ]; then
        echo "pulumi-mold: revision=$revision"
    fi
    echo "pulumi-mold: pruned=$pruned"
}

main "$@"
