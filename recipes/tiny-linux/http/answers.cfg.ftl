# ingot tiny installer answer file (tinyinstall.iso), fetched by the installer from the
# url= on its boot line and read as shell: one KEY='value' per line, single-quoted
# (a value may span several lines inside the quotes; write ' as '\'' ).
#   HOSTNAME             host name of the installed system (letters, digits, '-', '.')
#   TARGET_DISK          disk to erase and install on (default /dev/vda)
#   SSH_USER             user whose authorized_keys get SSH_AUTHORIZED_KEYS (default root)
#   SSH_AUTHORIZED_KEYS  one or more public key lines (ssh-ed25519 AAAA... comment)
#   ROOT_PASSWORD_HASH   crypt(3) hash for root in /etc/shadow; empty locks the password
# Rendered by FreeMarker from the build's name, sshPublicKey and the recipe variables
# root_password_hash and target_disk.
HOSTNAME='${name?replace("'", "'\\''")}'
TARGET_DISK='${(target_disk!"/dev/vda")?replace("'", "'\\''")}'
SSH_USER='root'
SSH_AUTHORIZED_KEYS='${sshPublicKey?trim?replace("'", "'\\''")}'
ROOT_PASSWORD_HASH='${(root_password_hash!"")?replace("'", "'\\''")}'
