package io.ingot.it;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provisioners in a real build: a file provisioner whose source is a folder uploads it recursively, and
 * a step that fails once is retried after a pause. The verify checks (run in a linked clone of the new
 * template) look at the uploaded tree, so the build only publishes when it arrived whole.
 */
class ProvisionIT {

    @Test
    void aFolderSourceIsUploadedRecursivelyAndAFailingStepIsRetriedAfterAPause() throws Exception {
        Path recipe = TestImages.variant("provision-folder-retry", yaml -> yaml
                .replace("name: tiny-linux\n", "name: tiny-linux-provision\n")
                .replace("  ram: true\n", "  ram: false\n")
                .replace("provisioners:\n", """
                        provisioners:
                          - type: file
                            name: tree
                            source: tiny-linux/tree
                            destination: /opt/tree/
                          - type: shell
                            name: flaky
                            retries: 2
                            retryOn: [exit]
                            inline:
                              - if [ ! -e /root/flaky-once ]; then touch /root/flaky-once; echo first try fails; exit 7; fi
                              - rm /root/flaky-once
                        """)
                .replace("verify:\n", """
                        verify:
                          - name: tree arrived
                            run: /opt/tree/bin/hello | grep -qx hello && grep -qx 'key=value' "/opt/tree/etc/deep/it's.conf" && test -d '/opt/tree/empty dir' && test ! -x /opt/tree/etc/deep/*.conf
                        """));
        Path tree = recipe.getParent().resolve("tiny-linux/tree");
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("etc/deep"));
        Files.createDirectories(tree.resolve("empty dir"));
        Files.writeString(tree.resolve("bin/hello"), "#!/bin/sh\necho hello\n");
        Files.setPosixFilePermissions(tree.resolve("bin/hello"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(tree.resolve("etc/deep/it's.conf"), "key=value\n");

        BuildContext build = TestImages.build(recipe, OnError.CLEANUP);
        assertNull(build.failure(), () -> "the build failed: " + build.failure().getMessage());
        String log = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(log.contains("uploaded the folder tiny-linux/tree (2 files) to /opt/tree/"), log);
        assertTrue(log.contains("flaky: first try fails"), log);
        assertTrue(log.contains("provisioner 'flaky' exited with status 7; retrying in 5.0s"), log);
        assertTrue(log.contains("provisioner flaky (attempt 2/3)"), log);
        assertTrue(build.result().startsWith("published tiny-linux-provision:"), build.result());
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(build.buildId()), "no QEMU outlives the build");
    }
}
