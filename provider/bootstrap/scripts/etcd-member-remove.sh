#!/usr/bin/env bash
# step: etcd-member-remove
set -euo pipefail

# @include lib/etcd.sh

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local member="${PM_MEMBER:-}"
    if [ -z "$member" ]; then
        echo "error: PM_MEMBER (the member's name) is required" >&2
        exit 1
    fi
    require_etcd_member
    local list id
    list="$(etcdctl_local member list -w simple)"
    echo "$list"
    # Lines: <id>, <status>, <name>, <peer URLs>, <client URLs>, <is learner>
    id="$(printf '%s\n' "$list" | awk -F', ' -v name="$member" '$3 == name { print $1; exit }')"
    if [ -z "$id" ]; then
        # Already gone (a rerun, or kubeadm reset removed it): nothing to do.
        echo "pulumi-mold: removed=absent"
        return 0
    fi
    if [ "$member" = "$(hostname | tr '[:upper:]' '[:lower:]')" ]; then
        echo "error: refusing to remove $member: it is the member this command runs on" >&2
        exit 1
    fi
    etcdctl_local member remove "$id"
    echo "pulumi-mold: removed=done"
    echo "pulumi-mold: member-id=$id"
}

main "$@"
