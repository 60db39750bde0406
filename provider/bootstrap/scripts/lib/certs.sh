# Expiry of a control-plane node's kubeadm certificates (certs-check, certs-renew).
# shellcheck shell=bash

# The leaf certificates `kubeadm certs renew all` renews (the CA lives 10 years and is not renewed).
LEAF_CERTS=(apiserver apiserver-kubelet-client front-proxy-client apiserver-etcd-client etcd/server etcd/peer etcd/healthcheck-client)

# notAfter of a PEM certificate as ISO 8601 (UTC).
cert_end() {
    date -u -d "$(openssl x509 -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%SZ
}

# admin.conf embeds its client certificate.
admin_cert() {
    grep 'client-certificate-data:' /etc/kubernetes/admin.conf | awk '{print $2}' | base64 -d
}

earliest_expiry() {
    local c ends=()
    for c in "${LEAF_CERTS[@]}"; do
        [ -f "${PKI:?}/$c.crt" ] && ends+=("$(cert_end <"$PKI/$c.crt")")
    done
    ends+=("$(admin_cert | cert_end)")
    printf '%s\n' "${ends[@]}" | sort | head -n 1
}

print_expiry() {
    if [ ! -f "${PKI:?}/ca.crt" ]; then
        echo "error: $PKI/ca.crt is missing: this node is not a kubeadm control-plane node" >&2
        exit 1
    fi
    echo "pulumi-mold: now=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "pulumi-mold: expires=$(earliest_expiry)"
    echo "pulumi-mold: ca-expires=$(cert_end <"$PKI/ca.crt")"
}
