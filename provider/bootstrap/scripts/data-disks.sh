#!/usr/bin/env bash
# step: data-disks
set -euo pipefail

# A Mold volume attached to a KVM guest is a virtio disk whose serial is the volume id without dashes, cut to 20
# characters: udev links it as /dev/disk/by-id/virtio-<serial>, whatever /dev/vdX name the kernel gave it.
BY_ID=/dev/disk/by-id
FSTAB=/etc/fstab
# Filesystems a disk may already hold and is then mounted with (never formatted again).
KNOWN_FS="ext4 ext3 ext2 xfs btrfs"
CHANGED=0

# One function called on the last line: bash has read the whole script before anything runs.
main() {
    : "${PM_DISKS:?PM_DISKS is required}"
    step_lock data-disks
    local line serial path
    while IFS= read -r line; do
        [ -n "$line" ] || continue
        serial="${line%% *}"
        path="${line#* }"
        if ! [[ "$serial" =~ ^[0-9a-f]{1,20}$ ]] || [[ "$path" != /* ]] || [[ "$path" =~ [[:space:]] ]]; then
            echo "error: PM_DISKS line '$line' is not '<serial> <absolute path>'" >&2
            exit 1
        fi
        disk "$serial" "$path"
    done <<<"$PM_DISKS"
    if [ "$CHANGED" = 1 ]; then echo "pulumi-mold: data-disks=done"; else echo "pulumi-mold: data-disks=already"; fi
}

# The device with this serial; udev may still be linking a disk attached a moment ago (at most 60 s).
device_of() {
    local serial=$1 deadline=$((SECONDS + 60))
    until [ -e "$BY_ID/virtio-$serial" ]; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "error: no disk with serial $serial appeared in $BY_ID within 60s (is its volume attached to this VM?)" >&2
            lsblk -o NAME,SERIAL,SIZE,FSTYPE,MOUNTPOINT >&2 || true
            exit 1
        fi
        udevadm settle --timeout=5 >/dev/null 2>&1 || sleep 1
    done
    readlink -f "$BY_ID/virtio-$serial"
}

disk() {
    local serial=$1 path=$2 dev fstype uuid formatted=no
    dev="$(device_of "$serial")"
    # Formatted only when the device holds no filesystem and no partition table: data on it is never wiped
    # (a rerun after a dropped connection, a node whose step ran before, a disk brought from elsewhere).
    fstype="$(blkid -p -o value -s TYPE "$dev" 2>/dev/null || true)"
    if [ -z "$fstype" ]; then
        if [ -n "$(blkid -p -o value -s PTTYPE "$dev" 2>/dev/null || true)" ]; then
            echo "error: $dev (serial $serial) has a partition table but no filesystem on the whole disk; not formatting it" >&2
            exit 1
        fi
        mkfs.ext4 -q "$dev"
        fstype=ext4
        formatted=yes
        CHANGED=1
    elif ! [[ " $KNOWN_FS " == *" $fstype "* ]]; then
        echo "error: $dev (serial $serial) holds $fstype, not a filesystem to mount at $path; not formatting it" >&2
        exit 1
    fi
    uuid="$(blkid -p -o value -s UUID "$dev")"
    fstab_entry "$uuid" "$path" "$fstype"
    mount_at "$uuid" "$path" "$dev"
    echo "pulumi-mold: device.$serial=$dev"
    echo "pulumi-mold: formatted.$serial=$formatted"
}

# One line per mount path, by UUID (device names can change between boots); nofail: a missing disk does not
# stop the boot.
fstab_entry() {
    local uuid=$1 path=$2 fstype=$3
    local want="UUID=$uuid $path $fstype defaults,nofail 0 2"
    if grep -qxF -- "$want" "$FSTAB"; then return 0; fi
    local tmp
    # Written next to it and renamed: a reader never sees half a file.
    tmp="$(mktemp "$FSTAB.pulumi-mold.XXXXXX")"
    awk -v p="$path" '$1 ~ /^#/ || $2 != p' "$FSTAB" >"$tmp"
    echo "$want" >>"$tmp"
    chmod 644 "$tmp"
    mv "$tmp" "$FSTAB"
    # systemd makes mount units from fstab.
    systemctl daemon-reload >/dev/null 2>&1 || true
    CHANGED=1
}

# Mounted once; a directory already holding files is not hidden under the disk.
mount_at() {
    local uuid=$1 path=$2 dev=$3 current
    mkdir -p "$path"
    if mountpoint -q "$path"; then
        current="$(findmnt -n -o UUID --mountpoint "$path" || true)"
        if [ "$current" = "$uuid" ]; then return 0; fi
        echo "error: $path is already a mount point of another filesystem (UUID '${current:-?}'), not $dev" >&2
        exit 1
    fi
    if [ -n "$(ls -A "$path")" ]; then
        echo "error: $path already holds files on the root disk; mounting $dev there would hide them" >&2
        exit 1
    fi
    mount "$path"
    echo "mounted $dev at $path"
    CHANGED=1
}

# @include lib/common.sh

main "$@"
