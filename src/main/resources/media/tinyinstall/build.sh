#!/bin/bash
# Builds ingot's test installation media from Debian packages only.
#   build.sh OUTDIR
# Environment (ingot sets them; they are part of the cache key):
#   INGOT_SUITE            Debian suite of the packages (bookworm: Debian 12's cloud kernel)
#   INGOT_MIRROR           archive URL (ingot takes the host's own apt sources unless told otherwise)
#   INGOT_SECURITY_MIRROR  security archive URL
#   INGOT_KEYRING          keyring the archive is signed with (optional; Debian's by default)
# Writes OUTDIR/tinyinstall.iso (isolinux, stops at "boot:"; type
# "install url=http://HOST:PORT/answers.cfg"), OUTDIR/vmlinuz (the suite's cloud kernel) and
# OUTDIR/initrd.img (a tiny probe initramfs: prints "ingot-probe: ok" and powers off).
# Needs: apt-get, dpkg-deb, cpio, gzip, xorriso. Runs as any user that may use apt-get download.
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: build.sh OUTDIR" >&2; exit 2; }
OUT="$1"
HERE="$(cd "$(dirname "$0")" && pwd)"
# Fixed timestamps (cpio, gzip, xorriso honour SOURCE_DATE_EPOCH) so equal inputs give equal media.
export SOURCE_DATE_EPOCH=1704067200
export LC_ALL=C

for tool in apt-get apt-cache dpkg-deb cpio gzip xorriso; do
    # Exit code 3: the host lacks a tool (the caller reports it as a user-fixable problem).
    command -v "$tool" >/dev/null || { echo "build.sh: missing host tool: $tool (install it with apt-get)" >&2; exit 3; }
done

MEDIA_NAME=tinyinstall
. "$HERE/../common/lib.sh"
SUITE="${INGOT_SUITE:?INGOT_SUITE is not set (the Debian suite)}"
MIRROR="${INGOT_MIRROR:?INGOT_MIRROR is not set (the Debian archive URL)}"
SECURITY="${INGOT_SECURITY_MIRROR:?INGOT_SECURITY_MIRROR is not set (the Debian security archive URL)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tinyinstall.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"  # apt-get download drops privileges to _apt, which must reach debs/

# --- ingredients -------------------------------------------------------------------------
apt_private "$WORK/apt" "$SUITE" "$MIRROR" "$SECURITY" "${INGOT_KEYRING:-}"
KPKG="$(apt-cache "${APT_OPTS[@]}" depends linux-image-cloud-amd64 2>/dev/null \
        | awk '/Depends: linux-image-[0-9]/ && !k { k = $2 } END { print k }')"
[ -n "$KPKG" ] || { echo "build.sh: cannot resolve linux-image-cloud-amd64 in $SUITE of $MIRROR" >&2; exit 1; }
KVER="${KPKG#linux-image-}"

PACKAGES=(busybox-static "$KPKG" isolinux syslinux-common extlinux dropbear-bin
          libtomcrypt1 libtommath1 libgmp10 zlib1g libcrypt1 libc6)
mkdir -p "$WORK/pkgs"
download_debs "$WORK/debs" "${PACKAGES[@]}"
for deb in "$WORK"/debs/*.deb; do
    dpkg-deb -x "$deb" "$WORK/pkgs"
done
P="$WORK/pkgs"
BUSYBOX="$P/bin/busybox"
[ -x "$BUSYBOX" ] || { echo "build.sh: busybox-static has no /bin/busybox" >&2; exit 1; }
log "kernel $KVER"

VIRTIO_MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
                virtio_blk failover net_failover virtio_net)
# the CD-ROM drivers and their dependencies by name: the package has no modules.dep to follow (depmod makes it)
SYSTEM_MODULES=("${VIRTIO_MODULES[@]}" virtio-rng cdrom isofs fat vfat nls_cp437 nls_iso8859-1
                nls_utf8 button evdev qemu_fw_cfg scsi_common scsi_mod sr_mod libata ata_piix)

# --- the installed system's own initramfs ------------------------------------------------
log "building the installed system"
SI="$WORK/system-initrd"
busybox_root "$SI"
copy_modules "$SI" "$P" "$KVER" "${VIRTIO_MODULES[@]}"
install_file 755 "$HERE/system/initramfs-init" "$SI/init"
make_cpio "$SI" "$WORK/system-initrd.img"

# --- the installed system (the installer copies this tree to the target disk) -------------
S="$WORK/system"
busybox_root "$S"
mkdir -p "$S"/{boot,root,home,lib64,lib/x86_64-linux-gnu,var/lib/ingot,var/log,etc/dropbear,etc/ingot}
chmod 700 "$S/root"
chmod 1777 "$S/tmp"
copy_modules "$S" "$P" "$KVER" "${SYSTEM_MODULES[@]}"
install_file 755 "$P/usr/sbin/dropbear" "$S/usr/sbin/dropbear"
install_file 755 "$P/usr/bin/dropbearkey" "$S/usr/bin/dropbearkey"
# host keys made by ingot arrive in OpenSSH format (cloud-init's ssh_keys); dropbear reads its own
install_file 755 "$P/usr/lib/dropbear/dropbearconvert" "$S/usr/bin/dropbearconvert"
install_file 755 "$P/usr/bin/extlinux" "$S/sbin/extlinux"
install_file 644 "$P/usr/lib/syslinux/mbr/mbr.bin" "$S/usr/lib/syslinux/mbr.bin"
for lib in libc.so.6 libcrypt.so.1 libz.so.1 libgmp.so.10 libtomcrypt.so.1 libtommath.so.1; do
    f="$(find "$P/lib/x86_64-linux-gnu" "$P/usr/lib/x86_64-linux-gnu" -name "$lib" -print -quit 2>/dev/null)"
    [ -n "$f" ] || { echo "build.sh: library $lib not found in the packages" >&2; exit 1; }
    cp -L "$f" "$S/lib/x86_64-linux-gnu/$lib"
done
cp -L "$P/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2" "$S/lib64/ld-linux-x86-64.so.2"
ln -s /lib64/ld-linux-x86-64.so.2 "$S/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"

install_file 644 "$P/boot/vmlinuz-$KVER" "$S/boot/vmlinuz"
install_file 644 "$WORK/system-initrd.img" "$S/boot/initrd.img"
install_file 644 "$HERE/system/extlinux.conf" "$S/boot/extlinux.conf"
install_file 644 "$HERE/system/inittab" "$S/etc/inittab"
install_file 755 "$HERE/system/rcS" "$S/etc/init.d/rcS"
install_file 755 "$HERE/system/rcK" "$S/etc/init.d/rcK"
install_file 755 "$HERE/system/nocloud" "$S/etc/init.d/nocloud"
install_file 755 "$HERE/system/hostkeys" "$S/etc/init.d/hostkeys"
install_file 755 "$HERE/system/machine-id" "$S/etc/init.d/machine-id"
install_file 644 "$HERE/system/mdev.conf" "$S/etc/mdev.conf"
install_file 755 "$HERE/system/net-hotplug" "$S/etc/mdev/net-hotplug"
install_file 755 "$HERE/system/acpi-power" "$S/etc/acpi/PWRF/00000080"
install_file 644 "$HERE/system/profile" "$S/etc/profile"
install_file 755 "$HERE/../common/udhcpc.script" "$S/etc/udhcpc.script"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$S/etc/passwd"
printf 'root:x:0:\ntty:x:5:\n' > "$S/etc/group"
printf 'root:!:1::::::\n' > "$S/etc/shadow"
chmod 600 "$S/etc/shadow"
printf '/bin/sh\n/bin/ash\n' > "$S/etc/shells"
echo ingot > "$S/etc/hostname"
echo root > "$S/etc/ingot/ssh-user"
: > "$S/etc/machine-id"

# --- installer initramfs -----------------------------------------------------------------
log "building the installer"
I="$WORK/installer"
busybox_root "$I"
copy_modules "$I" "$P" "$KVER" "${VIRTIO_MODULES[@]}"
install_file 755 "$HERE/installer/init" "$I/init"
install_file 755 "$HERE/../common/udhcpc.script" "$I/etc/udhcpc.script"
cp -a "$S" "$I/payload"
make_cpio "$I" "$WORK/installer-initrd.img"

# --- probe initramfs ---------------------------------------------------------------------
R="$WORK/probe"
busybox_root "$R"
install_file 755 "$HERE/probe-init" "$R/init"
make_cpio "$R" "$WORK/probe-initrd.img"

# --- ISO ---------------------------------------------------------------------------------
log "writing tinyinstall.iso"
ISO="$WORK/iso"
install_file 644 "$HERE/isolinux.cfg" "$ISO/isolinux/isolinux.cfg"
install_file 644 "$P/boot/vmlinuz-$KVER" "$ISO/isolinux/vmlinuz"
install_file 644 "$WORK/installer-initrd.img" "$ISO/isolinux/initrd.img"
mkdir -p "$OUT"
iso_write "$ISO" "$P" "$WORK/tinyinstall.iso" INGOT_TINYINSTALL

cp "$P/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$WORK/probe-initrd.img" "$OUT/initrd.img"
echo "$KVER" > "$OUT/kernel-version"
cp "$WORK/tinyinstall.iso" "$OUT/tinyinstall.iso"
log "done: $OUT/tinyinstall.iso ($(du -k "$OUT/tinyinstall.iso" | cut -f1) KiB, kernel $KVER)"
