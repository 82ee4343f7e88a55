#!/bin/bash
# Builds ingot's Debian installation media from Debian packages: a real Debian root file system
# made with mmdebstrap, as an ext4 file system image on an isolinux ISO with a small busybox installer
# that boots, fetches its answer file over HTTP, partitions the disk, writes the image onto it, grows it
# to the partition, installs GRUB and powers off.
#   build.sh OUTDIR
# Environment (ingot sets them from the recipe; they are part of the cache key):
#   INGOT_SUITE            Debian suite (bookworm, trixie ...)
#   INGOT_MIRROR           archive URL (ingot takes the host's own apt sources unless the recipe's
#                          media.iso.mirror or the user's INGOT_MIRROR says otherwise)
#   INGOT_SECURITY_MIRROR  security archive URL
#   INGOT_KEYRING          keyring the archive is signed with, for the installer's packages (optional;
#                          Debian's by default; mmdebstrap finds the system's keyring itself)
#   INGOT_PACKAGES         packages to add to the base list below (space-separated)
# Writes OUTDIR/debianinstall.iso (stops at "boot:"; type "install url=http://HOST:PORT/answers.cfg")
# and OUTDIR/packages.txt (every package and version in the system).
# The ISO boots by BIOS (isolinux) and by UEFI (GRUB, with the same "boot:" prompt).
# Needs: mmdebstrap, mke2fs (e2fsprogs), mformat and mcopy (mtools), apt-get, dpkg-deb, cpio,
# gzip, xorriso; root, or user namespaces for mmdebstrap's unshare mode.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: build.sh OUTDIR" >&2; exit 2; }
OUT="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
export SOURCE_DATE_EPOCH=1704067200
export LC_ALL=C

PATH="$PATH:/usr/sbin:/sbin"
for tool in mmdebstrap mke2fs mformat mcopy apt-get dpkg-deb cpio gzip xorriso; do
    pkg="$tool"
    case "$tool" in mke2fs) pkg=e2fsprogs ;; mformat|mcopy) pkg=mtools ;; apt-get) pkg=apt ;; dpkg-deb) pkg=dpkg ;; esac
    command -v "$tool" >/dev/null || { echo "build.sh: missing host tool: $tool (apt-get install $pkg)" >&2; exit 3; }
done

MEDIA_NAME=debianinstall
. "$HERE/../common/lib.sh"
SUITE="${INGOT_SUITE:?INGOT_SUITE is not set (the Debian suite)}"
MIRROR="${INGOT_MIRROR:?INGOT_MIRROR is not set (the Debian archive URL)}"
SECURITY="${INGOT_SECURITY_MIRROR:?INGOT_SECURITY_MIRROR is not set (the Debian security archive URL)}"
# A server system as Debian's cloud images have it: systemd, the cloud kernel, OpenSSH, cloud-init,
# the QEMU guest agent; systemd-networkd brings up every NIC (also one plugged in later); GRUB for
# BIOS (grub-pc) and UEFI (grub-efi-amd64-bin).
BASE_PACKAGES="systemd-sysv udev dbus linux-image-cloud-amd64 initramfs-tools openssh-server cloud-init
  qemu-guest-agent sudo grub-pc grub-efi-amd64-bin e2fsprogs dosfstools fdisk iproute2 iputils-ping
  ca-certificates netbase less procps cloud-guest-utils"
PACKAGES="$(echo $BASE_PACKAGES ${INGOT_PACKAGES:-} | tr ' ' '\n' | sort -u | paste -sd, -)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/debianinstall.XXXXXX")"
chmod 755 "$WORK"
# the system is a directory owned by its own root: the real one, or mmdebstrap's unshared one (the directory
# is world-writable for it); its file system image is written as that owner into a file that stays ours (iso_write
# sets every file's time)
mkdir -p "$WORK/image" "$WORK/iso/live"
chmod 777 "$WORK/image"
ROOTFS="$WORK/image/rootfs"
IMAGE="$WORK/iso/live/system.ext4"
: > "$IMAGE"
chmod 666 "$IMAGE"
as_owner() { if [ "$(id -u)" = 0 ]; then "$@"; else mmdebstrap --unshare-helper "$@"; fi; }
trap 'as_owner rm -rf "$ROOTFS" 2>/dev/null; rm -rf "$WORK"' EXIT

# --- the system ---------------------------------------------------------------------------
log "mmdebstrap $SUITE from $MIRROR ($(echo "$PACKAGES" | tr ',' ' ' | wc -w) packages asked)"
mkdir -p "$WORK/out"
# Documentation, manual pages and translations are left out (as in Debian's minimal images).
# The customize hooks run in the finished system: it must not carry host keys, a machine-id or
# package lists; the installer's kernel and modules are copied out for the ISO.
mmdebstrap --variant=minbase --include="$PACKAGES" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --aptopt='Acquire::Retries "3"' \
    --customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
    --customize-hook=': > "$1"/etc/machine-id; rm -f "$1"/var/lib/dbus/machine-id' \
    --customize-hook='rm -f "$1"/etc/hostname "$1"/etc/resolv.conf' \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Package} \${Version}\n" > "$1"/root/packages.txt' \
    --customize-hook='copy-out /root/packages.txt '"$WORK/out" \
    --customize-hook='rm -f "$1"/root/packages.txt' \
    --customize-hook='copy-out /boot '"$WORK" \
    --customize-hook='upload '"$HERE/efi/embedded.cfg"' /root/embedded.cfg' \
    --customize-hook='chroot "$1" grub-mkstandalone -O x86_64-efi -o /root/bootx64.efi --modules="part_gpt part_msdos iso9660 search search_label configfile echo read linux normal serial terminal test all_video" "boot/grub/grub.cfg=/root/embedded.cfg"' \
    --customize-hook='copy-out /root/bootx64.efi '"$WORK" \
    --customize-hook='rm -f "$1"/root/bootx64.efi "$1"/root/embedded.cfg' \
    --customize-hook='copy-out /usr/lib/modules '"$WORK" \
    "$SUITE" "$ROOTFS" \
    "deb $MIRROR $SUITE main" "deb $MIRROR $SUITE-updates main" "deb $SECURITY $SUITE-security main" \
    2>&1 | sed -u 's/^/mmdebstrap: /'
KERNEL="$(ls "$WORK"/boot/vmlinuz-* | sort -V | tail -n 1)"
KVER="${KERNEL##*/vmlinuz-}"

# The system as an ext4 file system image. The installer writes it onto the disk block by block and grows it:
# under emulation, creating the system's ~15,000 files one by one in the guest (cp from a squashfs) took a minute,
# the same bytes as one image take seconds. 16 KiB per inode, as mkfs.ext4 gives a disk, so the grown file system
# has as many inodes as a new one; a tenth more room than the files take, for the file system's own structures.
# No metadata_csum_seed: Debian 12's GRUB cannot read a file system with it.
log "writing the system's file system image"
as_owner sh -c 'mb=$(du -sm "$1" | cut -f1) &&
    "$2" -q -t ext4 -T default -b 4096 -I 256 -i 16384 -O ^metadata_csum_seed -L root -E root_owner=0:0 \
        -d "$1" "$3" "$((mb + mb / 10 + 64))M" && rm -rf "$1"' \
    sh "$ROOTFS" "$(command -v mke2fs)" "$IMAGE" || { echo "build.sh: mke2fs could not make the system's image" >&2; exit 1; }
chmod 644 "$IMAGE"
log "system: $(( $(stat -c %s "$IMAGE") / 1048576 )) MiB ext4 image, kernel $KVER"

# --- the installer (busybox initramfs with the system's own kernel) ---------------------------
apt_private "$WORK/apt" "$SUITE" "$MIRROR" "$SECURITY" "${INGOT_KEYRING:-}"
download_debs "$WORK/debs" busybox-static isolinux syslinux-common
mkdir -p "$WORK/pkgs"
for deb in "$WORK"/debs/*.deb; do dpkg-deb -x "$deb" "$WORK/pkgs"; done
P="$WORK/pkgs"
# /bin in Debian 12's busybox-static, /usr/bin from Debian 13 on (the /usr merge moved packages' files)
BUSYBOX="$P/bin/busybox"
[ -x "$BUSYBOX" ] || BUSYBOX="$P/usr/bin/busybox"
I="$WORK/installer"
busybox_root "$I"
mkdir -p "$WORK/kroot/lib"
cp -a "$WORK/modules" "$WORK/kroot/lib/modules"
# virtio disks and NIC, the CD drive (ata_piix + sr_mod), and the file systems the install reads
copy_modules "$I" "$WORK/kroot" "$KVER" virtio_pci virtio_blk virtio_net virtio_scsi ata_piix sr_mod \
    isofs loop vfat nls_cp437 nls_ascii nls_iso8859-1 efivarfs
install_file 755 "$HERE/installer/init" "$I/init"
install_file 755 "$HERE/../common/udhcpc.script" "$I/etc/udhcpc.script"
make_cpio "$I" "$WORK/installer-initrd.img"

log "writing debianinstall.iso"
# the UEFI boot image: a small FAT file system with GRUB as the removable-media loader
efi_kib=$(( $(stat -c %s "$WORK/bootx64.efi") / 1024 + 1024 ))
dd if=/dev/zero of="$WORK/efiboot.img" bs=1K count="$efi_kib" status=none
mformat -i "$WORK/efiboot.img" -T $((efi_kib * 2)) -h 2 -s 32 -N 0 ::
mmd -i "$WORK/efiboot.img" ::/EFI ::/EFI/BOOT
mcopy -i "$WORK/efiboot.img" "$WORK/bootx64.efi" ::/EFI/BOOT/BOOTX64.EFI
install_file 644 "$WORK/efiboot.img" "$WORK/iso/boot/efiboot.img"
install_file 644 "$HERE/efi/grub.cfg" "$WORK/iso/boot/grub/grub.cfg"
install_file 644 "$HERE/isolinux.cfg" "$WORK/iso/isolinux/isolinux.cfg"
install_file 644 "$KERNEL" "$WORK/iso/isolinux/vmlinuz"
install_file 644 "$WORK/installer-initrd.img" "$WORK/iso/isolinux/initrd.img"
cp "$WORK/out/packages.txt" "$WORK/iso/live/packages.txt"
iso_write "$WORK/iso" "$P" "$WORK/out/debianinstall.iso" INGOT_DEBIAN boot/efiboot.img
mkdir -p "$OUT"
mv "$WORK/out/debianinstall.iso" "$WORK/out/packages.txt" "$OUT/"
log "done: $OUT/debianinstall.iso ($(du -m "$OUT/debianinstall.iso" | cut -f1) MiB, $(wc -l < "$OUT/packages.txt") packages, kernel $KVER)"
