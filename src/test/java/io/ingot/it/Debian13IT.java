package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.template.Devices;
import io.ingot.template.TemplateRef;
import io.ingot.vm.RunningClone;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static io.ingot.it.DebianIT.assertIdentity;
import static io.ingot.it.DebianIT.ssh;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Debian 13 (trixie) end to end: debian-13-minimal built by the debianinstall media from the archive the host's
 * apt sources name (cloud kernel 6.12 with virtio_pci built in, cloud-init 25, OpenSSH 10, systemd 257), a
 * linked clone that gets its identity from its seed through stock cloud-init, and a memory clone resumed from
 * the RAM template. Tagged {@code debian13}: it runs only when asked ({@code mvn verify -P debian13}), as it adds
 * a Debian build (~13 minutes here under TCG) to the suite. A warm pool process made ready by the memory clone's
 * start then becomes the next memory clone, its NIC kept as it came up.
 */
@Tag("debian13")
class Debian13IT {

    @Test
    void linkedAndMemoryClonesOfDebian13HaveTheirOwnIdentity(@TempDir Path tmp) throws Exception {
        TestImages.debian13();
        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("debian-13-minimal@latest"));
        assertNotNull(v.manifest().ram(), "debian-13-minimal has a RAM template");
        assertTrue(Devices.agent(v.manifest().devices()), "the template records its guest agent channel");

        BuildKey user = BuildKey.generate();
        Path userKey = tmp.resolve("user.pub");
        Files.writeString(userKey, user.publicKeyLine("someone@laptop") + "\n");
        CloneService clones = store.clones();
        CloneService.Clone linked = clones.clone(v.ref(), "d13-linked", new CloneOptions(true, null, null, List.of(userKey)));
        CloneService.Clone memory = clones.clone(v.ref(), "d13-mem", CloneOptions.memoryClone(List.of(userKey)));
        CloneService.Clone pooled = clones.clone(v.ref(), "d13-pool", CloneOptions.memoryClone(List.of(userKey)));
        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        Set<String> hostKeys = new HashSet<>();
        Set<String> machineIds = new HashSet<>();
        try {
            RunningClone rl = instances.start("d13-linked");
            try (SshCommunicator root = ssh(rl, "root", access)) {
                assertEquals("13", root.run(". /etc/os-release && echo $VERSION_ID").strip());
                // stock cloud-init 25 ran with this clone's NoCloud seed, and named the host after the clone
                assertEquals("status: done", root.run("cloud-init status --wait > /dev/null; cloud-init status").strip());
                assertEquals(linked.vm().instanceId(), root.run("cat /var/lib/cloud/data/instance-id").strip());
                assertIdentity(root, linked, hostKeys, machineIds);
                // trixie's OpenSSH runs as ssh.service (not socket-activated), its network from systemd-networkd
                assertEquals("active", root.run("systemctl is-active ssh.service").strip());
                assertEquals("active", root.run("systemctl is-active systemd-networkd.service").strip());
                assertEquals("", root.run("systemctl --failed --no-legend").strip());
            }
            try (SshCommunicator debian = ssh(rl, "debian", user)) {
                assertEquals("debian", debian.run("id -un").strip(), "the seed's keys reach the image's default user");
            }
            assertTrue(instances.stop("d13-linked", Duration.ofSeconds(60)));

            // --pool 1: a QEMU process is left waiting for the next memory clone of this RAM template
            RunningClone rm = instances.start("d13-mem", false, 1);
            assertEquals("resumed", rm.how(), "a memory clone resumes from the RAM template");
            try (SshCommunicator root = ssh(rm, "root", access)) {
                assertEquals(rm.hostKey(), root.hostKeyFingerprint(), "the host key onRestore made is the one that answers");
                assertEquals("status: done", root.run("cloud-init status").strip());
                assertIdentity(root, memory, hostKeys, machineIds);
                assertEquals(memory.vm().instanceId().replace("-", ""), root.run("cat /etc/machine-id").strip());
                DebianIT.assertTemplateNic(root, v, memory);
                root.run("echo only-in-d13-mem > /root/mark && sync");
                assertEquals("only-in-d13-mem", root.run("cat /root/mark").strip());
                assertEquals("running", root.run("systemctl is-system-running --wait || true").strip());
            }
            // the warm pool's claim keeps the process's NIC, the template's, as it came up (systemd-networkd 257, as 252)
            RunningClone rp = instances.start("d13-pool");
            assertEquals("pool", rp.how(), "the next memory clone takes the waiting warm pool process");
            try (SshCommunicator root = ssh(rp, "root", access)) {
                assertEquals(rp.hostKey(), root.hostKeyFingerprint());
                assertIdentity(root, pooled, hostKeys, machineIds);
                DebianIT.assertTemplateNic(root, v, pooled);
                assertEquals("running", root.run("systemctl is-system-running --wait || true").strip());
            }
        } finally {
            for (String name : List.of("d13-linked", "d13-mem", "d13-pool")) {
                instances.stop(name, Duration.ofSeconds(30));
                clones.remove(name);
            }
            instances.pool().drain(slot -> true);
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-d13-"));
        String images = TestImages.paths().images().toString();
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-pool-").stream().filter(c -> c.contains(images)).toList());
    }
}
