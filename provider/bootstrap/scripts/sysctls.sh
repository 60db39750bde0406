#!/usr/bin/env bash
# step: sysctls
set -euo pipefail

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    local conf=/etc/sysctl.d/k8s.conf
    local wanted
    wanted=$'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1'

    if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$wanted" ]; then
        mkdir -p /etc/sysctl.d
        printf '%s\n' "$wanted" >"$conf.tmp"
        mv "$conf.tmp" "$conf"
        echo "wrote $conf"
    fi

    # The bridge keys exist only with br_netfilter loaded (the kernel-modules step).
    modprobe br_netfilter
    sysctl --system >/dev/null

    local key
    for key in net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables net.ipv4.ip_forward; do
        if [ "$(sysctl -n "$key")" != "1" ]; then
            echo "error: $key is $(sysctl -n "$key") after sysctl --system (another file overrides it?)" >&2
            exit 1
        fi
    done
}

main "$@"
