#!/usr/bin/env bash
# step: kernel-modules
set -euo pipefail

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local conf=/etc/modules-load.d/k8s.conf
    local wanted
    wanted=$'overlay\nbr_netfilter'

    # Listed for the next boots, loaded now for this one.
    if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
        mkdir -p /etc/modules-load.d
        printf '%s\n' "$wanted" >"$conf.tmp"
        mv "$conf.tmp" "$conf"
        echo "wrote $conf"
    fi

    local module
    for module in overlay br_netfilter; do
        modprobe "$module"
    done
}

main "$@"
