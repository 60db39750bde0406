#!/usr/bin/env bash
# step: rotate-host-key
set -euo pipefail

KEY=/etc/ssh/ssh_host_ed25519_key

# One function called on the last line: bash has read the whole script before anything runs.
# PM_HOST_KEY (the new private key, base64 of its OpenSSH PEM) is exported by a line of this script, never
# on the command line; it is written to a root-only file and never echoed.
main() {
    : "${PM_HOST_KEY:?PM_HOST_KEY is required}"
    : "${PM_HOST_PUBLIC_KEY:?PM_HOST_PUBLIC_KEY is required}"
    step_lock rotate-host-key
    local want
    want=$(awk '{print $1" "$2}' <<<"$PM_HOST_PUBLIC_KEY")
    if [ -s "$KEY.pub" ] && [ "$(awk '{print $1" "$2}' "$KEY.pub")" = "$want" ]; then
        echo "pulumi-mold: host-key=$want"
        echo "pulumi-mold: rotated=already"
        return 0
    fi
    local dir
    dir=$(mktemp -d /etc/ssh/.pulumi-mold-rotate.XXXXXX)
    # shellcheck disable=SC2064 # expand now: the directory is this run's
    trap "rm -rf '$dir'" EXIT
    (umask 077 && base64 -d <<<"$PM_HOST_KEY" >"$dir/key")
    # The private key must be the public key's other half, or sshd would present a key nobody pinned.
    if [ "$(ssh-keygen -y -f "$dir/key" | awk '{print $1" "$2}')" != "$want" ]; then
        echo "error: PM_HOST_KEY is not the private half of PM_HOST_PUBLIC_KEY" >&2
        exit 1
    fi
    printf '%s\n' "$want" >"$dir/key.pub"
    chmod 600 "$dir/key"
    chmod 644 "$dir/key.pub"
    # The cloud-init key (readable in Mold's user data) is overwritten; renames are atomic, public half last,
    # so a rerun after a cut sees the rotation done only once both halves are in place.
    mv -f "$dir/key" "$KEY"
    mv -f "$dir/key.pub" "$KEY.pub"
    # Other host keys (an image's RSA/ECDSA ones) would still be offered to clients that ask for them.
    find /etc/ssh -maxdepth 1 -name 'ssh_host_*_key*' ! -name 'ssh_host_ed25519_key' ! -name 'ssh_host_ed25519_key.pub' -delete
    sshd -t
    # A reload re-reads the host keys for new connections; established ones (this one) keep running.
    systemctl reload ssh 2>/dev/null || systemctl reload sshd
    echo "pulumi-mold: host-key=$want"
    echo "pulumi-mold: rotated=done"
}

# @include lib/common.sh

main "$@"
