#!/usr/bin/env bash
# step: swap-off
set -euo pipefail

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # The kubelet refuses to start with swap on (by default).
    swapoff -a

    # Comment out active swap entries so swap stays off after a reboot; entries already commented stay.
    if [ -f /etc/fstab ] && grep -Eq '^[[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$)' /etc/fstab; then
        cp -p /etc/fstab /etc/fstab.pulumi-mold.bak
        sed -i -E 's/^([[:space:]]*[^#[:space:]][^[:space:]]*[[:space:]]+[^[:space:]]+[[:space:]]+swap([[:space:]]|$))/# \1/' /etc/fstab
        echo "swap entries in /etc/fstab commented out"
    fi

    if [ -n "$(swapon --show --noheadings 2>/dev/null)" ]; then
        echo "error: swap is still active:" >&2
        swapon --show >&2
        exit 1
    fi
}

main "$@"
