package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.ExecResult;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneSettings;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.images.VersionSboms;
import io.ingot.pipeline.BuildContext;
import io.ingot.sbom.Component;
import io.ingot.sbom.Sbom;
import io.ingot.template.Devices;
import io.ingot.template.TemplateRef;
import io.ingot.vm.RunningClone;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real distribution end to end: the debian-12-minimal template (Debian 12 from Debian's package archive,
 * installed by ingot's debianinstall media, provisioned, sealed, verified) cloned three ways. Each clone gets
 * its identity the way a user's would: stock cloud-init reads the clone's NoCloud seed (linked and full
 * clones), or onRestore refreshes it (memory clones, resumed by a fresh QEMU or by a warm pool process); root and the image's default user log in with the
 * seed's keys.
 */
class DebianIT {
    /** A Debian cold boot under TCG takes ~90 s; two at once on two cores take longer. */
    private static final Duration BOOT = Duration.ofMinutes(8);

    @Test
    void linkedFullAndMemoryClonesOfARealDebianHaveTheirOwnIdentity(@TempDir Path tmp) throws Exception {
        BuildContext build = TestImages.debian();
        // the installer read the system straight from the CD drive where the image lies (its fallback, through the
        // ISO's file system, is twice as slow)
        String buildLog = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(buildLog.contains("ingot-install: system written in"), "the installer's copy is logged");
        assertFalse(buildLog.contains("the system's place on the ISO is not known"), "the copy read the CD drive directly");
        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("debian-12-minimal@latest"));
        assertNotNull(v.manifest().ram(), "debian-12-minimal has a RAM template");
        assertTrue(Devices.agent(v.manifest().devices()), "the template records its guest agent channel");

        BuildKey user = BuildKey.generate();
        Path userKey = tmp.resolve("user.pub");
        Files.writeString(userKey, user.publicKeyLine("someone@laptop") + "\n");
        CloneService clones = store.clones();
        // the linked clone with settings of its own: fewer CPUs, more memory, a larger disk, the owner's cloud-config
        Path userData = tmp.resolve("user-data.yaml");
        Files.writeString(userData, "#cloud-config\nruncmd:\n  - echo from-user-data > /root/user-data-ran\n");
        CloneService.Clone linked = clones.clone(v.ref(), "deb-linked", new CloneOptions(true, null, null, List.of(userKey))
                .with(CloneSettings.NONE.withCpus(1).withMemoryMiB(2048).withDiskBytes(8L << 30).withUserData(userData)));
        // the full clone a raw copy with a larger disk
        CloneService.Clone full = clones.clone(v.ref(), "deb-full", new CloneOptions(false, null, "raw", List.of(userKey))
                .with(CloneSettings.NONE.withDiskBytes(6L << 30)));
        CloneService.Clone memory = clones.clone(v.ref(), "deb-mem", CloneOptions.memoryClone(List.of(userKey)));
        CloneService.Clone pooled = clones.clone(v.ref(), "deb-pool", CloneOptions.memoryClone(List.of(userKey)));
        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        Set<String> hostKeys = new HashSet<>();
        Set<String> machineIds = new HashSet<>();
        try {
            RunningClone rl = instances.start("deb-linked");
            RunningClone rf = instances.start("deb-full");
            for (var pair : List.of(Map.entry(linked, rl), Map.entry(full, rf))) {
                CloneService.Clone c = pair.getKey();
                try (SshCommunicator root = ssh(pair.getValue(), "root", access)) {
                    // cloud-init ran with this clone's seed: it is done, and this instance is the seed's
                    assertEquals("status: done", root.run("cloud-init status --wait > /dev/null; cloud-init status").strip(), c.vm().name());
                    assertEquals(c.vm().instanceId(), root.run("cat /var/lib/cloud/data/instance-id").strip());
                    assertIdentity(root, c, hostKeys, machineIds);
                    if (c == linked) {
                        assertEquals("1", root.run("nproc").strip(), "--cpus 1");
                        long memKiB = Long.parseLong(root.run("awk '/^MemTotal:/ { print $2 }' /proc/meminfo").strip());
                        assertTrue(memKiB > 1800 * 1024 && memKiB <= 2048 * 1024, "--memory 2G: MemTotal " + memKiB + " KiB");
                        long rootBytes = Long.parseLong(root.run("df -B1 --output=size / | tail -n 1").strip());
                        assertTrue(rootBytes > 7L << 30, "--disk-size 8G: cloud-init grew / to " + rootBytes + " bytes");
                        assertEquals("from-user-data", root.run("cat /root/user-data-ran").strip(), "the owner's runcmd ran");
                        // the SBOM lists openssh-server with the very version dpkg shows in a clone
                        String dpkg = root.run("dpkg-query -W -f '${Version}' openssh-server").strip();
                        Sbom sbom = new VersionSboms(store.catalog(), store.storages()).require(v);
                        Component ssh = sbom.find("openssh-server").orElseThrow(() -> new AssertionError("no openssh-server in " + v.ref() + "'s SBOM"));
                        assertEquals(dpkg, ssh.version(), "openssh-server in the SBOM and in dpkg");
                        assertEquals("Debian:12", ssh.ecosystem());
                        assertEquals(root.run("uname -r").strip(), sbom.kernel().orElseThrow().version(), "the kernel the clone runs");
                    }
                    if (c == full) {
                        assertEquals("raw", c.vm().disk().format());
                        long rootBytes = Long.parseLong(root.run("df -B1 --output=size / | tail -n 1").strip());
                        assertTrue(rootBytes > 5L << 30, "a raw full clone of 6G: cloud-init grew / to " + rootBytes + " bytes");
                    }
                }
                // the seed's keys also reach the image's default user, through stock cloud-init
                try (SshCommunicator debian = ssh(pair.getValue(), "debian", user)) {
                    assertEquals("debian", debian.run("id -un").strip());
                }
            }
            assertTrue(instances.stop("deb-linked", Duration.ofSeconds(60)));
            assertTrue(instances.stop("deb-full", Duration.ofSeconds(60)));

            // --pool 1: a QEMU process is left waiting for the next memory clone of this RAM template
            RunningClone rm = instances.start("deb-mem", false, 1);
            assertEquals("resumed", rm.how(), "a memory clone resumes from the RAM template");
            try (SshCommunicator root = ssh(rm, "root", access)) {
                assertEquals(rm.hostKey(), root.hostKeyFingerprint(), "the host key onRestore made is the one that answers");
                // the RAM template was captured after cloud-init finished: a memory clone does not run it again
                assertEquals("status: done", root.run("cloud-init status").strip());
                assertIdentity(root, memory, hostKeys, machineIds);
                assertEquals(memory.vm().instanceId().replace("-", ""), root.run("cat /etc/machine-id").strip());
                assertTemplateNic(root, v, memory);
                // its file systems were frozen for the capture and thawed at the restore: writes go through
                root.run("echo only-in-deb-mem > /root/mark && sync");
                assertEquals("only-in-deb-mem", root.run("cat /root/mark").strip());
                assertEquals("running", root.run("systemctl is-system-running --wait || true").strip());
            }
            long poolDiskBefore;
            RunningClone rp = instances.start("deb-pool");
            assertEquals("pool", rp.how(), "the next memory clone takes the waiting warm pool process");
            try (var qmp = io.ingot.qemu.QmpClient.connect(Path.of(rp.qmpSocket()))) {
                // the process's NIC (the template's) stayed plugged with the clone's MAC: QEMU's receive filter has it,
                // and the process's own SSH forward is gone, the clone's is there
                assertEquals(pooled.vm().nics().get(0).mac(),
                        qmp.execute("query-rx-filter", Map.of("name", "nic0")).get(0).path("main-mac").asText());
                String forwards = qmp.execute("human-monitor-command", Map.of("command-line", "info usernet")).asText();
                assertEquals(1, forwards.lines().filter(l -> l.contains("HOST_FORWARD")).count(), forwards);
                assertTrue(forwards.lines().anyMatch(l -> l.contains("HOST_FORWARD") && l.contains(" " + rp.sshPort() + " ")), forwards);
            }
            try (SshCommunicator root = ssh(rp, "root", access)) {
                assertEquals(rp.hostKey(), root.hostKeyFingerprint());
                assertIdentity(root, pooled, hostKeys, machineIds);
                assertEquals("status: done", root.run("cloud-init status").strip());
                assertTemplateNic(root, v, pooled);
                poolDiskBefore = Files.size(Path.of(pooled.vm().disk().path()));
                root.run("dd if=/dev/urandom of=/root/mark bs=1M count=4 2>/dev/null && sync");
            }
            assertTrue(instances.stop("deb-pool", Duration.ofSeconds(60)));
            assertTrue(instances.stop("deb-mem", Duration.ofSeconds(60))); // qemu-img reads its disk below
            // the process was made ready on a disk of its own, which became the clone's: an overlay on the same capture
            // overlay, its backing file named as for any memory clone (relative to the clone's folder), holding its writes
            var qemuImg = new io.ingot.qemu.QemuImg();
            var poolDisk = qemuImg.info(Path.of(pooled.vm().disk().path()), "qcow2");
            assertEquals(qemuImg.info(Path.of(memory.vm().disk().path()), "qcow2").backingFilename(), poolDisk.backingFilename());
            assertEquals(Path.of(pooled.vm().disk().backing()).normalize(),
                    Path.of(pooled.vm().disk().path()).getParent().resolve(poolDisk.backingFilename()).normalize());
            qemuImg.check(Path.of(pooled.vm().disk().path()), "qcow2");
            assertTrue(Files.size(Path.of(pooled.vm().disk().path())) >= poolDiskBefore + (4L << 20), "the clone's writes are in that disk");
        } finally {
            for (String name : List.of("deb-linked", "deb-full", "deb-mem", "deb-pool")) {
                instances.stop(name, Duration.ofSeconds(30));
                clones.remove(name);
            }
            instances.pool().drain(slot -> true);
        }
        // this run's clones and pool processes only (their files are under its images folder): another checkout's may run here
        String images = TestImages.paths().images().toString();
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-deb-").stream().filter(c -> c.contains(images)).toList());
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-pool-").stream().filter(c -> c.contains(images)).toList());
    }

    /** Hostname and MAC from the clone's vm.json; host keys and machine-id its own (unlike every other clone's). */
    static void assertIdentity(SshCommunicator root, CloneService.Clone c, Set<String> hostKeys, Set<String> machineIds) {
        String name = c.vm().name();
        assertEquals(name, root.run("hostname").strip());
        String mac = c.vm().nics().get(0).mac();
        String macs = root.run("cat /sys/class/net/en*/address");
        assertTrue(macs.lines().anyMatch(mac::equals), name + " has the MAC of its vm.json (" + mac + "): " + macs);
        ExecResult route = root.exec("ip -4 route get 10.0.2.2", Map.of(), Duration.ofSeconds(30), l -> { });
        assertEquals(0, route.exitStatus(), name + " has an IPv4 address on its NIC");
        // what QEMU's DHCP gives (by the guest's DHCP, or from onRestore for a warm pool's kept NIC): 10.0.2.15, through 10.0.2.2
        ExecResult gateway = root.exec("n=0; until ip -4 route show default | grep -q 'via 10.0.2.2 '; do [ $n -lt 50 ] || exit 1;"
                + " n=$((n+1)); sleep 0.1; done; ip -4 -o addr show | grep -q ' 10.0.2.15/24 '", Map.of(), Duration.ofSeconds(30), l -> { });
        assertEquals(0, gateway.exitStatus(), name + " has 10.0.2.15/24 and a default route through 10.0.2.2");
        assertTrue(hostKeys.add(root.hostKeyFingerprint()), name + " has host keys of its own");
        String machineId = root.run("cat /etc/machine-id").strip();
        assertTrue(machineId.matches("[0-9a-f]{32}"), name + ": machine-id '" + machineId + "'");
        assertTrue(machineIds.add(machineId), name + " has a machine-id of its own");
        assertNotEquals("", root.run("ls /etc/ssh/ssh_host_ed25519_key.pub").strip());
        // the provisioning VM ran its programs at fixed addresses (FixedLayout, under TCG): none of it in a clone
        assertEquals("2", root.run("cat /proc/sys/kernel/randomize_va_space").strip(), name + " randomizes its address space");
    }

    /**
     * A memory clone's NIC is the one its template kept from the capture VM ({@code KeptNic}): the MAC the template
     * recorded (its vm.json's), running as the capture VM's cold boot set it up (cloud-init's network file, DHCP), with
     * the lease of that boot. In networkd's log of the guest's life (its journal files under the template's
     * machine-id and the clone's) the NIC was set up and took a lease once, and its link never went: the restore and
     * the clone's start (a warm pool claim too) changed nothing on it.
     */
    static void assertTemplateNic(SshCommunicator root, TemplateVersion v, CloneService.Clone c) {
        assertNotNull(v.manifest().ram().keptNic(), v.ref() + " kept its capture VM's NIC");
        String mac = v.manifest().ram().keptNic().mac();
        assertEquals(mac, c.vm().nics().get(0).mac(), c.vm().name() + "'s first NIC is the template's");
        String nic = root.run("for l in /sys/class/net/en*; do read -r x < $l/address; [ \"$x\" = " + mac + " ] && echo ${l##*/}; done; true").strip();
        assertTrue(nic.matches("en\\w+"), "the clone's NIC by its MAC " + mac + ": '" + nic + "'");
        String status = root.run("networkctl status " + nic + " --no-pager || true");
        java.util.regex.Matcher file = java.util.regex.Pattern.compile("Network File: (\\S+)").matcher(status);
        assertTrue(file.find(), status);
        String log = root.run("journalctl --file '/var/log/journal/*/*.journal' -u systemd-networkd -o cat | grep '^" + nic + ": ' || true");
        assertEquals(List.of(nic + ": Configuring with " + file.group(1) + "."),
                log.lines().filter(l -> l.startsWith(nic + ": Configuring with ")).toList(), log);
        assertEquals(1, log.lines().filter(l -> l.startsWith(nic + ": DHCPv4 address 10.0.2.15/24")).count(), log);
        assertFalse(log.contains(nic + ": Lost carrier"), "the NIC's link stayed up through capture and restore: " + log);
        assertFalse(log.contains(nic + ": Reconfiguring"), "nothing set the NIC up again: " + log);
    }

    static SshCommunicator ssh(RunningClone r, String user, BuildKey key) {
        return SshCommunicator.connect("127.0.0.1", r.sshPort(), user, key.keyPair(), BOOT);
    }
}
