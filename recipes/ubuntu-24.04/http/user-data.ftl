#cloud-config
<#-- Ubuntu autoinstall (subiquity), rendered by ingot for each build; fetched by cloud-init's
     nocloud-net datasource as http://${httpIp}:${httpPort}/user-data (with meta-data beside it). -->
autoinstall:
  version: 1
  locale: ${locale}
  keyboard:
    layout: ${keymap}
  refresh-installer:
    update: false
  source:
    id: ubuntu-server-minimal
  network:
    version: 2
    ethernets:
      primary:
        match:
          name: "en*"
        dhcp4: true
  apt:
    geoip: false
  storage:
    layout:
      name: direct
  identity:
    hostname: ${name}
    username: ubuntu
    password: "${passwordHash}"
  ssh:
    install-server: true
    allow-pw: false
    authorized-keys:
      - "${sshPublicKey}"
  packages:
    - qemu-guest-agent
  late-commands:
    # the build logs in as root with its key; sealing removes the key from the template
    - mkdir -p /target/root/.ssh
    - echo '${sshPublicKey}' > /target/root/.ssh/authorized_keys
    - chmod 700 /target/root/.ssh
    - chmod 600 /target/root/.ssh/authorized_keys
    # subiquity's own cloud-init settings would mask each clone's NoCloud seed (datasource_list: [None])
    # and keep cloud-init away from the network: clones get identity and network from their seed
    - rm -f /target/etc/cloud/cloud.cfg.d/99-installer.cfg /target/etc/cloud/cloud.cfg.d/subiquity-disable-cloudinit-networking.cfg /target/etc/cloud/ds-identify.cfg
    # every NIC gets DHCP whatever its name or MAC (clones have new MACs; a memory clone's NIC is plugged in later)
    - printf 'network:\n  version: 2\n  ethernets:\n    all:\n      match: {name: "en*"}\n      dhcp4: true\n' > /target/etc/netplan/90-ingot-dhcp.yaml
    - chmod 600 /target/etc/netplan/90-ingot-dhcp.yaml
    - curtin in-target -- cloud-init clean --logs
  shutdown: poweroff
