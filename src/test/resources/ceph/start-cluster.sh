#!/bin/bash
# Starts a one-node Ceph cluster (one mon, one bluestore OSD on a sparse 4 GiB file, no mgr) in DIR,
# with cephx, a pool 'rbd' of size 1 and a client 'ingot' limited to that pool. Daemons write their
# PIDs to DIR/run/*.pid; the test harness stops them by PID. Usage: start-cluster.sh DIR MON_PORT
set -euo pipefail
DIR=$1
PORT=$2
# daemons a killed test JVM left behind: stop them by their PIDs before reusing the directory
for pidfile in "$DIR"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -d "/proc/$pid" ] && grep -q ceph "/proc/$pid/comm"; then
        kill "$pid" 2>/dev/null || true
        for i in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.2; done
    fi
done
rm -rf "$DIR"
mkdir -p "$DIR"/{run,log,mon,osd}
FSID=$(uuidgen)
CONF=$DIR/ceph.conf
cat > "$CONF" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$PORT
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
ms bind ipv6 = false
public network = 127.0.0.0/8
run dir = $DIR/run
pid file = $DIR/run/\$name.pid
admin socket = $DIR/run/\$name.asok
log file = $DIR/log/\$name.log
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
auth allow insecure global id reclaim = false
[mon]
mon data = $DIR/mon/\$cluster-\$id
keyring = $DIR/mon/\$cluster-\$id/keyring
[osd]
osd data = $DIR/osd/\$cluster-\$id
keyring = $DIR/osd/\$cluster-\$id/keyring
osd objectstore = bluestore
bluestore block create = true
bluestore block size = 4294967296
bluestore cache autotune = false
bluestore cache size = 134217728
osd memory target = 939524096
osd op num shards = 1
osd op num threads per shard = 2
[client]
keyring = $DIR/ceph.client.admin.keyring
CONF
ceph-authtool "$DIR/mon.keyring" --create-keyring --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$DIR/ceph.client.admin.keyring" --create-keyring --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$DIR/ceph.client.admin.keyring" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$PORT]" "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring"
ceph-mon -c "$CONF" -i a
C="ceph -c $CONF --connect-timeout 30"
OSD_UUID=$(uuidgen)
ID=$($C osd create "$OSD_UUID")
mkdir -p "$DIR/osd/ceph-$ID"
ceph-authtool "$DIR/osd/ceph-$ID/keyring" --create-keyring --gen-key -n "osd.$ID" >/dev/null
$C auth add "osd.$ID" osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' -i "$DIR/osd/ceph-$ID/keyring" >/dev/null 2>&1
ceph-osd -c "$CONF" -i "$ID" --mkfs --osd-uuid "$OSD_UUID" >"$DIR/log/osd-mkfs.out" 2>&1
ceph-osd -c "$CONF" -i "$ID"
$C osd pool create rbd 8 8 >/dev/null 2>&1
$C osd pool set rbd size 1 --yes-i-really-mean-it >/dev/null 2>&1
$C osd pool application enable rbd rbd >/dev/null 2>&1
$C auth get-or-create client.ingot mon 'profile rbd' osd 'profile rbd pool=rbd' -o "$DIR/ceph.client.ingot.keyring" >/dev/null 2>&1
# ready when the OSD is up and a write goes through
for i in $(seq 1 120); do
    if rbd -c "$CONF" --id ingot --keyring "$DIR/ceph.client.ingot.keyring" create --size 1M rbd/ready-probe 2>/dev/null; then
        rbd -c "$CONF" --id ingot --keyring "$DIR/ceph.client.ingot.keyring" rm rbd/ready-probe >/dev/null 2>&1
        echo "ceph ready"
        exit 0
    fi
    sleep 0.5
done
echo "ceph did not become ready; see $DIR/log" >&2
exit 1
