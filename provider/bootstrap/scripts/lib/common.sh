# Functions several steps share. stepScript() inlines this file where a step says `# @include lib/common.sh`,
# so each step still travels as one self-contained script.
# shellcheck shell=bash

package_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

apt_get() {
    DEBIAN_FRONTEND=noninteractive apt-get -q -y \
        -o DPkg::Lock::Timeout=600 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
        "$@"
}

# Long commands write to a log file, not the channel: if the connection drops, they still finish instead
# of dying on a closed pipe halfway through an install. Their last lines are shown when they fail. Only the
# command and its first argument are echoed: kubeadm's arguments carry join tokens and certificate keys.
logged() {
    local rc=0
    echo "+ $1 ${2:-}" >>"${LOG:?}"
    "$@" >>"${LOG:?}" 2>&1 </dev/null || rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "error: '$1 ${2:-}' failed with exit code $rc; last lines of ${LOG:?}:" >&2
        tail -n 30 "${LOG:?}" >&2
    fi
    return "$rc"
}

kubectl_admin() {
    kubectl --kubeconfig "${ADMIN_CONF:?}" "$@" </dev/null
}

# Waits until the API server answers `path` (e.g. /healthz) with admin.conf, at most `seconds`; then fails
# naming what it waited for and showing the last answer.
wait_api_answers() {
    local path=$1 seconds=$2 after=$3
    local deadline=$((SECONDS + seconds))
    until kubectl_admin get --raw="$path" >/dev/null 2>&1; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: the API server did not answer $path within ${seconds}s $after" >&2
            kubectl_admin get --raw="$path" >&2 || true
            exit 1
        fi
        sleep 3
    done
}

# One run of a step at a time on a node: a rerun after a dropped connection waits for the first run (which
# goes on on the node) instead of racing it for dpkg's lock or kubeadm's files.
step_lock() {
    exec 8>"/run/pulumi-mold-$1.lock"
    if ! flock -w 1800 8; then
        echo "error: an earlier run of step $1 still holds its lock after 30 minutes" >&2
        exit 1
    fi
}
