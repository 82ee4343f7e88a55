<#-- Answer file of ingot's Debian installer (debianinstall.iso), rendered for each build.
     The installer fetches it from the url= on its boot line and reads it as shell:
       KEY='value' lines (single-quoted; write ' as '\''), and a late_command function it runs
       (under set -e) after writing the system, before installing GRUB. In late_command,
       /mnt is the new system and `in_target /ABSOLUTE/PATH ARGS...` runs a command inside it
       (by absolute path: the installer's busybox would run its own applet of the same name).
       HOSTNAME             host name of the installed system (letters, digits, '-', '.')
       TARGET_DISK          disk to erase and install on (default /dev/vda)
       SSH_USER             user whose authorized_keys get SSH_AUTHORIZED_KEYS (default root;
                            another name is created, in group sudo, with passwordless sudo)
       SSH_AUTHORIZED_KEYS  public key lines (the build's key; sealing removes it)
       ROOT_PASSWORD_HASH   crypt(3) hash for root; empty locks root's password
       KERNEL_CMDLINE       the installed kernel's arguments (GRUB_CMDLINE_LINUX)
       TIMEZONE             e.g. Etc/UTC -->
HOSTNAME='${name?replace("'", "'\\''")}'
TARGET_DISK='${target_disk?replace("'", "'\\''")}'
SSH_USER='root'
SSH_AUTHORIZED_KEYS='${sshPublicKey?trim?replace("'", "'\\''")}'
ROOT_PASSWORD_HASH='${(root_password_hash!"")?replace("'", "'\\''")}'
<#-- systemd.ssh_auto=no: systemd 257's ssh generator would offer sshd on AF_VSOCK and, with no vsock transport in
     these VMs (no vhost-vsock device), fails at every boot ("Failed to query local AF_VSOCK CID"); sshd is ssh.service -->
KERNEL_CMDLINE='no_timer_check console=tty0 console=ttyS0,115200n8 systemd.ssh_auto=no'
TIMEZONE='${timezone?replace("'", "'\\''")}'

<#noparse>
late_command() {
    # Every NIC gets DHCP from systemd-networkd, whatever its name or MAC: clones get new MACs, and a
    # memory clone's NIC is plugged in after its restore at another PCI slot (another name).
    cat > /mnt/etc/systemd/network/80-ingot-dhcp.network <<'NET'
[Match]
Name=en* eth*

[Network]
DHCP=ipv4

[DHCPv4]
# a memory clone wakes up with the template's lease on no NIC at all: ask at once
SendRelease=no
NET
    in_target /usr/bin/systemctl enable systemd-networkd.service
    # no GRUB menu wait (the installer sets 1 s): every boot of the template and its clones gains it
    mkdir -p /mnt/etc/default/grub.d
    echo 'GRUB_TIMEOUT=0' > /mnt/etc/default/grub.d/90-ingot.cfg
    # cloud-init renders a clone's network-config (its NICs on networks of networks.yaml, matched by MAC)
    # as networkd files ahead of the catch-all above; without one, its fallback is DHCP on the first NIC,
    # as above. NoCloud first, so ds-identify does not probe for clouds that are not there; C.UTF-8 needs no locale
    # generation; no DSA host key (OpenSSH 9 ignores it), no RSA one (seconds under emulation; clones get ed25519 and
    # ecdsa keys from their seed).
    cat > /mnt/etc/cloud/cloud.cfg.d/90-ingot.cfg <<'CFG'
system_info: {network: {renderers: [networkd]}}
datasource_list: [NoCloud, None]
locale: C.UTF-8
ssh_genkeytypes: [ed25519, ecdsa]
CFG
    # cloud-init has nothing to do in the build's own boot (no seed: its fallback datasource, and new host keys
    # before sshd starts) and its stages cost tens of seconds under emulation; the recipe's seal turns it
    # back on, so the template's first boot, and every clone's, is cloud-init's first boot
    touch /mnt/etc/cloud/cloud-init.disabled
}
</#noparse>
