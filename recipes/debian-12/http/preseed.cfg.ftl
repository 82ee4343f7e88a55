<#-- Debian 12 unattended install, rendered by ingot for each build (docs/recipes.md).
     The installer fetches it as http://${httpIp}:${httpPort}/preseed.cfg. -->
### Localization (also on the boot line: in auto mode they are asked before this file is read)
d-i debian-installer/locale string ${locale}
d-i keyboard-configuration/xkb-keymap select ${keymap}

### Network: DHCP on the first interface (QEMU user networking)
d-i netcfg/choose_interface select auto
d-i netcfg/get_hostname string ${name}
d-i netcfg/get_domain string local
d-i netcfg/hostname string ${name}
d-i netcfg/wireless_wep string

### Mirror
d-i mirror/country string manual
d-i mirror/http/hostname string ${mirrorHost}
d-i mirror/http/directory string /debian
d-i mirror/http/proxy string

### Accounts: root only, password given as a crypt(3) hash; the build logs in with its SSH key
d-i passwd/root-login boolean true
d-i passwd/make-user boolean false
d-i passwd/root-password-crypted password ${rootPasswordHash}

### Clock
d-i clock-setup/utc boolean true
d-i time/zone string Etc/UTC
d-i clock-setup/ntp boolean true

### Partitioning: the whole virtio disk, one root filesystem plus swap ("atomic")
d-i partman-auto/disk string /dev/vda
d-i partman-auto/method string regular
d-i partman-auto/choose_recipe select atomic
d-i partman-lvm/device_remove_lvm boolean true
d-i partman-md/device_remove_md boolean true
d-i partman-lvm/confirm boolean true
d-i partman-lvm/confirm_nooverwrite boolean true
d-i partman-partitioning/confirm_write_new_label boolean true
d-i partman/choose_partition select finish
d-i partman/confirm boolean true
d-i partman/confirm_nooverwrite boolean true
d-i partman/mount_style select uuid

### Packages
d-i apt-setup/cdrom/set-first boolean false
d-i apt-setup/cdrom/set-next boolean false
d-i apt-setup/cdrom/set-failed boolean false
d-i apt-setup/non-free-firmware boolean true
d-i apt-setup/services-select multiselect security, updates
d-i base-installer/install-recommends boolean false
tasksel tasksel/first multiselect standard, ssh-server
d-i pkgsel/include string openssh-server sudo ca-certificates cloud-init qemu-guest-agent
d-i pkgsel/upgrade select full-upgrade
popularity-contest popularity-contest/participate boolean false

### Boot loader on the virtio disk
d-i grub-installer/only_debian boolean true
d-i grub-installer/with_other_os boolean false
d-i grub-installer/bootdev string /dev/vda

### Boot messages and a login on the serial console too (ingot reads it)
d-i debian-installer/add-kernel-opts string console=tty0 console=ttyS0,115200n8

### The build's SSH key for root (sealing removes it from the template). Every NIC gets DHCP from
### systemd-networkd whatever its name or MAC (clones have new MACs; a memory clone's NIC is plugged in
### after its restore at another PCI slot), instead of ifupdown's one named interface.
d-i preseed/late_command string \
    mkdir -p /target/root/.ssh; \
    echo '${sshPublicKey}' > /target/root/.ssh/authorized_keys; \
    in-target chmod 700 /root/.ssh; \
    in-target chmod 600 /root/.ssh/authorized_keys; \
    printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' > /target/etc/systemd/network/80-ingot-dhcp.network; \
    printf 'auto lo\niface lo inet loopback\n' > /target/etc/network/interfaces; \
    in-target systemctl enable systemd-networkd.service; \
    printf 'system_info: {network: {renderers: [networkd]}}\ndatasource_list: [NoCloud, None]\n' > /target/etc/cloud/cloud.cfg.d/90-ingot.cfg

### Finish: power off instead of rebooting, so ingot sees the install end
d-i finish-install/reboot_in_progress note
d-i debian-installer/exit/poweroff boolean true
