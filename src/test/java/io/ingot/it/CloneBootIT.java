package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.util.Sha256;
import org.apache.sshd.common.config.keys.KeyUtils;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.images.PublishRequest;
import io.ingot.template.Manifest;
import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;
import io.ingot.vm.HostKeys;
import io.ingot.vm.RunningClone;
import io.ingot.vm.SeedBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Clones of a real tiny-linux template, started with {@code ingot start}'s code: linked clones write
 * without touching the base, every clone has its own identity, and Proxmox's deletion rules hold.
 */
class CloneBootIT {

    @Test
    void linkedAndFullClonesBehaveLikeProxmoxClones() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        // a template of its own, from the shared build's base image, so deleting it disturbs no other test
        TemplateVersion shared = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        Path sharedBase = store.storages().get(shared.primaryStorage()).locate(shared.name(), shared.version())
                .orElseThrow().baseImage().path();
        TemplateVersion v = store.publisher().publish(new PublishRequest("clone-it", sharedBase, "qcow2", false,
                Manifest.empty().withMachine(shared.manifest().qemuVersion(), shared.manifest().machineType(),
                        shared.manifest().cpuModel(), shared.manifest().cpus(), shared.manifest().memoryMiB(),
                        shared.manifest().devices()), List.of("local"), "latest"));
        Path base = store.storages().get("local").locate("clone-it", v.version()).orElseThrow().baseImage().path();
        String baseSha = Sha256.of(base);

        CloneService clones = store.clones();
        CloneService.Clone a = clones.clone("clone-it", "cit-a", new CloneOptions(true, null, null, List.of()));
        CloneService.Clone b = clones.clone("clone-it@latest", "cit-b", new CloneOptions(true, null, null, List.of()));
        clones.clone(v.ref(), "cit-full", new CloneOptions(false, null, null, List.of()));
        assertNotEquals(a.vm().nics().get(0).mac(), b.vm().nics().get(0).mac());
        assertNotEquals(a.vm().smbiosUuid(), b.vm().smbiosUuid());
        assertNotEquals(a.vm().vmgenid(), b.vm().vmgenid());

        CloneInstances instances = new CloneInstances(store);
        BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
        UserError startTemplate = assertThrows(UserError.class, () -> instances.start("clone-it"));
        assertTrue(startTemplate.getMessage().contains("templates are never started"), startTemplate.getMessage());
        RunningClone ra = instances.start("cit-a");
        RunningClone rb = instances.start("cit-b");
        try (SshCommunicator sa = ssh(ra, access); SshCommunicator sb = ssh(rb, access)) {
            assertEquals("cit-a", sa.run("hostname").strip());
            assertEquals("cit-b", sb.run("hostname").strip());
            assertNotEquals(sa.hostKeyFingerprint(), sb.hostKeyFingerprint(), "each clone has its own host keys");
            HostKeys made = SeedBuilder.hostKeys(Path.of(a.vm().seed()).resolveSibling("seed").resolve("user-data")).orElseThrow();
            assertTrue(made.publicKeys().stream().anyMatch(k -> KeyUtils.compareKeys(k, sa.hostKey())),
                    "the clone answers with a host key ingot made for it, from its seed");
            for (HostKeys.HostKey k : made.keys()) {
                String guest = sa.run("dropbearkey -y -f /etc/dropbear/dropbear_" + k.type() + "_host_key");
                assertTrue(guest.contains(k.publicKey().split(" ")[1]), "the guest installed the seed's " + k.type() + " key: " + guest);
            }
            assertEquals(a.vm().nics().get(0).mac(), sa.run("cat /sys/class/net/eth0/address").strip());
            assertEquals(b.vm().nics().get(0).mac(), sb.run("cat /sys/class/net/eth0/address").strip());
            sa.run("dd if=/dev/urandom of=/root/data bs=1M count=8 2>/dev/null && echo only-in-a > /root/mark && sync");
            assertEquals("only-in-a", sa.run("cat /root/mark").strip());
            assertTrue(sb.exec("test -e /root/mark", java.util.Map.of(), Duration.ofSeconds(10), l -> { }).exitStatus() != 0,
                    "a file written in one linked clone is not in the other");
        }
        assertEquals(baseSha, Sha256.of(base), "writing in linked clones leaves the base image unchanged");

        UserError running = assertThrows(UserError.class, () -> clones.remove("cit-a"));
        assertTrue(running.getMessage().contains("is running"), running.getMessage());
        UserError refused = assertThrows(UserError.class, () -> store.versions().remove("clone-it", v.version(), true));
        assertTrue(refused.getMessage().contains("cit-a") && refused.getMessage().contains("cit-b"), refused.getMessage());

        assertTrue(instances.stop("cit-a", Duration.ofSeconds(20)));
        assertTrue(instances.stop("cit-b", Duration.ofSeconds(20)));
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-cit-"), "stop leaves no QEMU");
        clones.remove("cit-a");
        clones.remove("cit-b");
        store.versions().remove("clone-it", v.version(), true);

        RunningClone rf = instances.start("cit-full");
        try (SshCommunicator sf = ssh(rf, access)) {
            assertEquals("cit-full", sf.run("hostname").strip(), "a full clone boots after its template is deleted");
        } finally {
            instances.stop("cit-full", Duration.ofSeconds(20));
            clones.remove("cit-full");
        }
    }

    private static SshCommunicator ssh(RunningClone r, BuildKey key) {
        return SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", key.keyPair(), Duration.ofMinutes(2));
    }
}
