package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildContext;
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
        for (String stage : List.of("recovery", "qemu", "media", "wait-install", "provision", "seal", "shutdown", "template")) {
            assertTrue(log.contains(stage + " done in "), "the log shows the duration of " + stage);
        }
        String timings = Files.readString(build.buildDir().resolve("timings.json"));
        assertTrue(timings.contains("\"stage\" : \"wait-install\""), timings);
        assertTrue(Files.exists(build.buildDir().resolve("serial-install.log")));
        assertTrue(Files.exists(build.buildDir().resolve("serial-provision.log")));
        assertTrue(build.result().startsWith("published tiny-linux:"), build.result());
        assertFalse(Files.exists(build.disk().path()), "the working disk is gone once published");
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
