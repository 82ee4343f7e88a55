ok ${httpIp}
key ${sshKey}
