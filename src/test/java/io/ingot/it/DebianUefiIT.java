package io.ingot.it;

import io.ingot.catalog.TemplateVersion;
import io.ingot.guest.BuildKey;
import io.ingot.guest.SshCommunicator;
import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.CloneService;
import io.ingot.images.ImageStore;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import io.ingot.qemu.Ovmf;
import io.ingot.template.TemplateRef;
import io.ingot.vm.RunningClone;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code machine.firmware: uefi} on a real distribution: debian-12-minimal built under OVMF (the debianinstall
 * ISO boots its GRUB EFI loader, the installer writes a GPT disk with an EFI system partition), verified in a
 * UEFI clone, and a linked clone of the published template boots UEFI too, with its own variable store.
 */
class DebianUefiIT {
    @Test
    void aUefiTemplateBuildsAndItsClonesBootUefi() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/share/OVMF/OVMF_CODE.fd")), "ovmf is not installed (apt-get install ovmf): UEFI skipped");
        Path recipe = TestImages.variant("debian-12-minimal", "debian-uefi", yaml -> yaml
                .replace("name: debian-12-minimal\n", "name: debian-12-uefi\n")
                .replace("  memory: 1G\n", "  memory: 1G\n  firmware: uefi\n")
                .replace("debian-12-minimal-verify", "debian-12-uefi-verify")
                .replace("  ram: true\n", "  ram: false\n")
                .replace("verify:\n", "verify:\n  - name: booted by UEFI\n    run: test -d /sys/firmware/efi\n"));
        BuildContext b = TestImages.build(recipe, OnError.CLEANUP);
        assertNull(b.failure(), () -> "the UEFI build failed: " + b.failure().getMessage());
        assertTrue(b.published(), "the verify clone booted by UEFI, so the template was published");

        ImageStore store = TestImages.store();
        TemplateVersion v = store.catalog().resolve(TemplateRef.parse("debian-12-uefi@latest"));
        CloneService clones = store.clones();
        CloneService.Clone clone = clones.clone(v.ref(), "deb-uefi", new CloneOptions(true, null, null, List.of()));
        CloneInstances instances = new CloneInstances(store);
        try {
            RunningClone r = instances.start("deb-uefi");
            BuildKey access = BuildKey.load(store.accessKey().privateKeyPath());
            try (SshCommunicator root = SshCommunicator.connect("127.0.0.1", r.sshPort(), "root", access.keyPair(), Duration.ofMinutes(8))) {
                assertEquals("deb-uefi", root.run("hostname").strip());
                assertEquals("uefi", root.run("test -d /sys/firmware/efi && echo uefi || echo bios").strip(), "the clone booted by UEFI");
                assertTrue(root.run("lsblk -no PARTTYPENAME /dev/vda").contains("EFI System"), "its disk has an EFI system partition");
            }
            assertTrue(Files.isRegularFile(clone.vmConfigFile().getParent().resolve(Ovmf.VARS_FILE)),
                    "the clone has a UEFI variable store of its own");
        } finally {
            instances.stop("deb-uefi", Duration.ofSeconds(30));
            clones.remove("deb-uefi");
        }
        assertEquals(List.of(), TestImages.qemuProcessesMentioning("ingot-clone-deb-uefi"));
    }
}
