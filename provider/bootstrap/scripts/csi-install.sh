#!/usr/bin/env bash
# step: csi-install
set -euo pipefail

# The Apache CloudStack CSI driver's release assets, at the version the provider pins (PM_CSI_VERSION): the
# volume-snapshot CRDs first (the driver's manifest holds a VolumeSnapshotClass), then the driver itself (RBAC,
# CSIDriver, controller Deployment, node DaemonSet).
CSI_RELEASES=https://github.com/cloudstack/cloudstack-csi-driver/releases/download
CSI_MANIFESTS=(snapshot-crds.yaml manifest.yaml)
PROVISIONER=csi.cloudstack.apache.org
# The driver reads its Mold credentials from this Secret's `cloud-config` key.
SECRET_NAME=cloudstack-secret
# Recorded on the objects this step made: a later run knows what it is looking at.
MARK=pulumi-mold.io/csi-version

# shellcheck disable=SC2034 # read by lib/common.sh, inlined below
ADMIN_CONF=/etc/kubernetes/admin.conf
WORK=""
CHANGED=0
trap 'rm -rf "$WORK"' EXIT

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    # PM_CSI_API_URL, PM_CSI_API_KEY and PM_CSI_SECRET_KEY are exported in the script (never on the command line).
    : "${PM_CSI_API_URL:?PM_CSI_API_URL is required}"
    : "${PM_CSI_API_KEY:?PM_CSI_API_KEY is required}"
    : "${PM_CSI_SECRET_KEY:?PM_CSI_SECRET_KEY is required}"
    : "${PM_CSI_VERSION:?PM_CSI_VERSION is required}"
    : "${PM_STORAGE_CLASS:?PM_STORAGE_CLASS is required}"
    : "${PM_DISK_OFFERING_ID:?PM_DISK_OFFERING_ID is required}"
    local default="${PM_DEFAULT:-0}"
    if ! [[ "$PM_CSI_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
        echo "error: PM_CSI_VERSION must be vX.Y.Z, got '$PM_CSI_VERSION'" >&2
        exit 1
    fi
    if ! [[ "$PM_STORAGE_CLASS" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]]; then
        echo "error: PM_STORAGE_CLASS must be a DNS subdomain name, got '$PM_STORAGE_CLASS'" >&2
        exit 1
    fi
    WORK="$(mktemp -d)"
    chmod 700 "$WORK"
    wait_api_answers /readyz 180 "before the CSI driver is applied"

    # Each part runs as a plain command (errexit stays on inside it) and sets CHANGED when it changed something.
    install_driver
    write_secret
    storage_class "$default"
    remove_old_class
    echo "pulumi-mold: driver-version=$PM_CSI_VERSION"
    echo "pulumi-mold: storage-class=$PM_STORAGE_CLASS"
    if [ "$CHANGED" = 1 ]; then echo "pulumi-mold: csi=done"; else echo "pulumi-mold: csi=already"; fi
}

install_driver() {
    local have
    have="$(kubectl_admin get csidriver "$PROVISIONER" -o "jsonpath={.metadata.annotations.pulumi-mold\.io/csi-version}" 2>/dev/null || true)"
    if [ "$have" = "$PM_CSI_VERSION" ]; then return 0; fi
    local m
    for m in "${CSI_MANIFESTS[@]}"; do
        curl -fsSL --retry 5 --retry-delay 3 --max-time 120 "$CSI_RELEASES/$PM_CSI_VERSION/$m" -o "$WORK/$m"
        kubectl_admin apply --server-side --force-conflicts -f "$WORK/$m"
    done
    kubectl_admin annotate --overwrite csidriver "$PROVISIONER" "$MARK=$PM_CSI_VERSION" >/dev/null
    CHANGED=1
}

# The credentials as the driver reads them; only ever in files of mode 0600 and in the Secret.
write_secret() {
    local conf="$WORK/cloud-config"
    (
        umask 077
        printf '[Global]\napi-url = %s\napi-key = %s\nsecret-key = %s\n' "$PM_CSI_API_URL" "$PM_CSI_API_KEY" "$PM_CSI_SECRET_KEY" >"$conf"
    )
    local want have
    want="$(base64 -w0 <"$conf")"
    have="$(kubectl_admin -n kube-system get secret "$SECRET_NAME" -o 'jsonpath={.data.cloud-config}' 2>/dev/null || true)"
    if [ "$want" = "$have" ]; then return 0; fi
    kubectl_admin -n kube-system create secret generic "$SECRET_NAME" --from-file=cloud-config="$conf" \
        --dry-run=client -o yaml >"$WORK/secret.yaml"
    kubectl_admin apply -f "$WORK/secret.yaml" >/dev/null
    # The driver reads the file at start: its pods restart with the new credentials.
    kubectl_admin -n kube-system rollout restart deployment/cloudstack-csi-controller >/dev/null 2>&1 || true
    echo "secret kube-system/$SECRET_NAME written"
    CHANGED=1
}

# A StorageClass's parameters cannot change: one with another disk offering is made again (volumes already
# provisioned keep theirs).
storage_class() {
    local flag=false
    if [ "$1" = 1 ]; then flag=true; fi
    local offering isdefault
    offering="$(kubectl_admin get storageclass "$PM_STORAGE_CLASS" -o "jsonpath={.parameters.csi\.cloudstack\.apache\.org/disk-offering-id}" 2>/dev/null || true)"
    isdefault="$(kubectl_admin get storageclass "$PM_STORAGE_CLASS" -o "jsonpath={.metadata.annotations.storageclass\.kubernetes\.io/is-default-class}" 2>/dev/null || true)"
    if [ "$offering" = "$PM_DISK_OFFERING_ID" ] && [ "${isdefault:-false}" = "$flag" ]; then return 0; fi
    if [ -n "$offering" ] && [ "$offering" != "$PM_DISK_OFFERING_ID" ]; then
        kubectl_admin delete storageclass "$PM_STORAGE_CLASS" --wait=true >/dev/null
    fi
    cat >"$WORK/storageclass.yaml" <<YAML
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${PM_STORAGE_CLASS}
  annotations:
    storageclass.kubernetes.io/is-default-class: "${flag}"
provisioner: ${PROVISIONER}
parameters:
  csi.cloudstack.apache.org/disk-offering-id: ${PM_DISK_OFFERING_ID}
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
allowVolumeExpansion: true
YAML
    kubectl_admin apply -f "$WORK/storageclass.yaml" >/dev/null
    echo "storageclass $PM_STORAGE_CLASS: disk offering $PM_DISK_OFFERING_ID, default $flag"
    CHANGED=1
}

# The class this group made before under another name (PM_REMOVE_STORAGE_CLASS): deleted when it is the
# driver's; volumes provisioned from it keep working (a PV does not need its class).
remove_old_class() {
    local old="${PM_REMOVE_STORAGE_CLASS:-}"
    if [ -z "$old" ] || [ "$old" = "$PM_STORAGE_CLASS" ]; then return 0; fi
    local provisioner
    provisioner="$(kubectl_admin get storageclass "$old" -o 'jsonpath={.provisioner}' 2>/dev/null || true)"
    if [ "$provisioner" != "$PROVISIONER" ]; then return 0; fi
    kubectl_admin delete storageclass "$old" --wait=true >/dev/null
    echo "storageclass $old deleted"
    CHANGED=1
}

# @include lib/common.sh

main "$@"
