# Shell functions shared by the media build scripts (sourced; needs $BUSYBOX and $SOURCE_DATE_EPOCH).

log() { echo "${MEDIA_NAME:-media}: $*"; }

# A root with busybox and its applet links (created here: an init script cannot create
# /bin/sh for itself).
busybox_root() {
    local root="$1" applet
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,run,tmp,mnt,etc}
    cp "$BUSYBOX" "$root/bin/busybox"
    for applet in $("$BUSYBOX" --list-full); do
        [ "$applet" = bin/busybox ] && continue
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
}

# copy_modules ROOT PKGROOT KVER NAME...: the named kernel modules (and, where PKGROOT has a
# modules.dep, everything they depend on) plus a modules.dep made by busybox depmod. A module built
# into the kernel (modules.builtin: Debian 13's cloud kernel has virtio_pci in it) needs no file;
# compressed modules (.ko.xz, .ko.zst, .ko.gz: Debian 13's) are stored uncompressed, as busybox's
# insmod may not read them.
copy_modules() {
    local root="$1" src="$2" kver="$3" m f dep out
    shift 3
    local moddir="lib/modules/$kver"
    [ -d "$src/$moddir" ] || moddir="usr/lib/modules/$kver"
    local wanted=() seen=" "
    for m in "$@"; do
        if module_builtin "$src/$moddir" "$m"; then
            log "kernel module $m is built into $kver"
            continue
        fi
        f="$(cd "$src" && find "$moddir/kernel" \( -name "$m.ko" -o -name "$m.ko.*" \) -print -quit)"
        [ -n "$f" ] || { echo "missing kernel module $m in $kver (neither a file nor in modules.builtin)" >&2; exit 1; }
        wanted+=("${f#"$moddir"/}")
    done
    while [ "${#wanted[@]}" -gt 0 ]; do
        f="${wanted[0]}"
        wanted=("${wanted[@]:1}")
        case "$seen" in *" $f "*) continue ;; esac
        seen="$seen$f "
        out="$root/lib/modules/$kver/${f%.ko*}.ko"
        mkdir -p "$(dirname "$out")"
        case "$f" in
        *.ko) cp "$src/$moddir/$f" "$out" ;;
        *.ko.xz) "$BUSYBOX" unxz -c "$src/$moddir/$f" > "$out" ;;
        *.ko.gz) "$BUSYBOX" gunzip -c "$src/$moddir/$f" > "$out" ;;
        *.ko.zst) zstd -q -d -c "$src/$moddir/$f" > "$out" ;;
        *) echo "kernel module $f: unknown compression" >&2; exit 1 ;;
        esac
        if [ -f "$src/$moddir/modules.dep" ]; then
            for dep in $(awk -v m="$f:" '$1 == m { $1 = ""; print }' "$src/$moddir/modules.dep"); do
                wanted+=("$dep")
            done
        fi
    done
    cp "$src/$moddir/modules.builtin" "$src/$moddir/modules.order" "$root/lib/modules/$kver/"
    # modules.order names the compressed files; depmod and modprobe find the uncompressed ones by it
    sed -i -E 's/\.ko\.(xz|gz|zst)$/.ko/' "$root/lib/modules/$kver/modules.order"
    "$BUSYBOX" depmod -b "$root" "$kver"
}

# module_builtin MODDIR NAME: whether the kernel has NAME built in (modules.builtin lists it; module names
# treat - and _ alike).
module_builtin() {
    local list="$1/modules.builtin" a b
    [ -f "$list" ] || return 1
    a="$(echo "$2" | tr - _)"
    b="$(echo "$2" | tr _ -)"
    grep -qE "/($a|$b)\.ko\$" "$list"
}

# Reproducible gzip'ed newc cpio of a directory.
make_cpio() {
    local root="$1" out="$2"
    find "$root" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    (cd "$root" && find . | sort | cpio -o -H newc -R 0:0 --reproducible --quiet) | gzip -n -6 > "$out"
}

install_file() { # MODE SRC DEST
    mkdir -p "$(dirname "$3")"
    cp "$2" "$3"
    chmod "$1" "$3"
}

# apt_private DIR SUITE MIRROR SECURITY [KEYRING]: an apt of the media's own in DIR (sources, package
# lists, cache; the host's apt.conf, and so its proxy, still apply) on the archive ingot chose (by default
# the one the host's own sources name), with SUITE, SUITE-updates and SUITE-security; its lists are fetched
# now. The host's package lists are neither read nor updated. Sets APT_OPTS for apt-get and apt-cache.
apt_private() {
    local dir="$1" suite="$2" mirror="$3" security="$4" keyring="${5:-}" opt=""
    [ -n "$keyring" ] || { [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && keyring=/usr/share/keyrings/debian-archive-keyring.gpg; }
    [ -n "$keyring" ] && opt="[signed-by=$keyring] "
    mkdir -p "$dir/sources.list.d" "$dir/preferences.d" "$dir/lists/partial" "$dir/cache/archives/partial"
    {
        echo "deb $opt$mirror $suite main"
        echo "deb $opt$mirror $suite-updates main"
        echo "deb $opt$security $suite-security main"
    } > "$dir/sources.list"
    : > "$dir/status"
    chmod -R a+rX "$dir"
    APT_OPTS=(-o "Dir::Etc::SourceList=$dir/sources.list" -o "Dir::Etc::SourceParts=$dir/sources.list.d"
              -o "Dir::Etc::PreferencesParts=$dir/preferences.d" -o "Dir::Etc::Preferences=$dir/preferences"
              -o "Dir::State::Lists=$dir/lists" -o "Dir::State::status=$dir/status" -o "Dir::Cache=$dir/cache"
              -o "Acquire::Languages=none" -o "Acquire::Retries=3")
    log "package lists of $suite from $mirror (security: $security)"
    apt-get "${APT_OPTS[@]}" update -qq
}

# download_debs DIR PACKAGE...: apt-get download into DIR (as _apt when root) through apt_private's apt.
download_debs() {
    local dir="$1"
    shift
    mkdir -p "$dir"
    # apt drops privileges to _apt for downloads; let it write here (avoids a warning as root).
    chmod 755 "$dir"
    if [ "$(id -u)" = 0 ] && id _apt >/dev/null 2>&1; then chown _apt "$dir"; fi
    log "downloading $*"
    (cd "$dir" && apt-get "${APT_OPTS[@]}" download -q "$@" >/dev/null)
}

# An isolinux ISO that boots KERNEL + INITRD from isolinux.cfg, and by UEFI too when EFI_IMAGE (a FAT
# image inside TREE with EFI/BOOT/BOOTX64.EFI) is given: iso_write TREE ISOLINUX_PKGROOT OUT LABEL [EFI_IMAGE]
iso_write() {
    local tree="$1" p="$2" out="$3" label="$4" efi="${5:-}"
    local uefi=()
    [ -n "$efi" ] && uefi=(-eltorito-alt-boot -e "$efi" -no-emul-boot -isohybrid-gpt-basdat)
    install_file 644 "$p/usr/lib/ISOLINUX/isolinux.bin" "$tree/isolinux/isolinux.bin"
    install_file 644 "$p/usr/lib/syslinux/modules/bios/ldlinux.c32" "$tree/isolinux/ldlinux.c32"
    find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    xorriso -as mkisofs -quiet -o "$out" \
        -isohybrid-mbr "$p/usr/lib/ISOLINUX/isohdpfx.bin" \
        -c isolinux/boot.cat -b isolinux/isolinux.bin \
        -no-emul-boot -boot-load-size 4 -boot-info-table \
        "${uefi[@]}" \
        -V "$label" -J -r "$tree"
}
