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
  shutdown: poweroff
