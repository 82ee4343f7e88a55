package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import io.ingot.qemu.Accelerator;
import io.ingot.qemu.QemuInstallation;
import io.ingot.server.PortAllocator;
import io.ingot.template.TemplateRef;
import io.ingot.vm.CloneRunner;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole pipeline with real QEMU: tinyinstall.iso to a sealed, published tiny-linux template. */
class BuildIT {

    @Test
    void buildPublishesTemplateAndLogsEveryStage() throws Exception {
        BuildContext build = TestImages.tinyLinux();
        String log = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(log.contains("boot command: <waitFor 'boot:'>install url=http://10.0.2.2:" + build.httpPort()
                + "/answers.cfg<enter>"), "the log shows the typed boot command");
        assertTrue(log.contains("GET /answers.cfg 200"), "the log shows the answer-file request");
        QemuInstallation qemu = QemuInstallation.detect();
        assertTrue(log.contains("QEMU " + qemu.version() + " (" + qemu.system() + "), features: "), "the log names the QEMU of this run");
        assertTrue(log.contains("motd: ") || log.contains("provisioner motd"), "the log shows each provisioner");
        assertEquals("tcg".equals(build.accelerator().name()), log.contains("emulated guest: its programs run at fixed addresses"
                + " for this boot"), "under TCG (only), the provisioning VM's programs start at fixed addresses");
        for (String stage : List.of("recovery", "qemu", "media", "wait-install", "provision", "seal", "shutdown", "template")) {
            assertTrue(log.contains(stage + " done in "), "the log shows the duration of " + stage);
        }
        String timings = Files.readString(build.buildDir().resolve("timings.json"));
        assertTrue(timings.contains("\"stage\" : \"wait-install\""), timings);
        // tiny-linux has a RAM template: its verify checks ran in a memory clone of it, which took the verify identity
        assertTrue(timings.contains("\"stage\" : \"ram-template\"") && timings.contains("\"stage\" : \"verify\""), timings);
        assertTrue(log.contains("verify clone ingot-clone-verify-" + build.buildId() + " resumed as a memory clone of this build's"
                + " RAM template in "), log);
        assertTrue(log.contains("onRestore gave it the identity of tiny-linux-verify in "), log);
        assertTrue(log.contains("verify check 'provisioned' passed"), log);
        assertTrue(Files.exists(build.buildDir().resolve("serial-install.log")));
        assertTrue(Files.exists(build.buildDir().resolve("serial-provision.log")));
        assertTrue(build.result().startsWith("published tiny-linux:"), build.result());
        assertFalse(Files.exists(build.disk().path()), "the working disk is gone once published");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(build.buildId()), "no QEMU outlives the build");
    }

    /**
     * A verify check that fails in the memory clone of the build's RAM template fails the build, with nothing
     * published and the RAM template's files gone; the checks before it saw the clone's verify identity.
     */
    @Test
    void aFailingVerifyCheckInTheMemoryCloneFailsTheBuildAndPublishesNothing() throws Exception {
        Path recipe = TestImages.variant("verify-fails", yaml -> yaml
                .replace("name: tiny-linux\n", "name: tiny-linux-badcheck\n")
                .replace("verify:\n", """
                        verify:
                          - name: named by onRestore
                            run: test "$(hostname)" = tiny-linux-badcheck-verify
                          - name: fails
                            run: exit 3
                        """));
        BuildContext build = TestImages.build(recipe, OnError.CLEANUP);
        assertNotNull(build.failure(), "the build failed");
        assertTrue(build.failure().getMessage().contains("verify check 'fails' failed with exit status 3; nothing was published"),
                build.failure().getMessage());
        String log = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(log.contains("resumed as a memory clone of this build's RAM template"), log);
        assertTrue(log.contains("verify check 'named by onRestore' passed"), log);
        assertFalse(log.contains("verify check 'provisioned' passed"), "the checks after the failing one do not run");
        assertEquals(List.of(), TestImages.store().catalog().versions("tiny-linux-badcheck"), "nothing was published");
        assertFalse(Files.exists(build.buildDir().resolve("ram/memory")), "the RAM template's memory file is gone");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(build.buildId()), "no QEMU outlives the build");
    }

    /**
     * Boots the published template through a linked clone: the provisioner's file is there, the build key
     * no longer gets in, and the host keys are new (the clone's seed has a new instance id).
     */
    @Test
    void sealedTemplateKeepsProvisioningButNotTheBuildKeyOrHostKeys() throws Exception {
        BuildContext build = TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        TemplateVersion version = store.catalog().resolve(TemplateRef.parse("tiny-linux@latest"));
        CloneService.Clone clone = store.clones().clone(version.ref(), "buildit-check", new CloneOptions(true, null, null, List.of()));
        Path work = TestImages.home().resolve("target/it-clones/buildit-check");
        Files.createDirectories(work);
        QemuInstallation qemu = QemuInstallation.detect();
        CloneRunner runner = new CloneRunner(qemu, new Accelerator("tcg", "tests run under TCG"),
                new PortAllocator(TestImages.paths().state().resolve("ports")), TestImages.paths().state().resolve("run"));
        try (CloneRunner.Running vm = runner.start(clone.vm(), work, Files.createTempDirectory("ingot-it-"))) {
            BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
            try (SshCommunicator ssh = SshCommunicator.connect("127.0.0.1", vm.sshPort(), "root", access.keyPair(),
                    Duration.ofMinutes(2))) {
                assertFalse(ssh.run("cat /etc/ingot/provisioned").isBlank(), "the provisioner's file survived sealing");
                assertEquals("buildit-check", ssh.run("hostname").strip(), "the seed set the hostname");
                assertNotEquals(build.hostKeyFingerprint(), ssh.hostKeyFingerprint(), "host keys were regenerated");
                assertFalse(SshCommunicator.probe("127.0.0.1", vm.sshPort(), "root", build.buildKey().keyPair(),
                        Duration.ofSeconds(10)), "the build key is refused after sealing");
            }
        } finally {
            store.clones().remove("buildit-check");
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("buildit-check"));
    }
}
