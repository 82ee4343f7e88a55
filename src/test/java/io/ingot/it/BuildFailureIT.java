package io.ingot.it;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.OnError;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Failed builds say which stage failed and why, show the console, and leave no QEMU running. */
class BuildFailureIT {

    @Test
    void missingAnswerFileFailsAtOnceWithTheInstallersError() throws Exception {
        // the recipe's boot.timeout (5m) and stallTimeout stay: the installer's own error line ends the wait
        var recipe = TestImages.variant("answer-404", yaml -> yaml
                .replace("/answers.cfg<enter>", "/no-such-answers.cfg<enter>"));
        BuildContext build = TestImages.build(recipe, OnError.CLEANUP);
        assertNotNull(build.failure(), "the build must fail");
        String message = build.failure().getMessage();
        assertTrue(message.startsWith("stage wait-install failed: the installer failed: cannot fetch answer file http://10.0.2.2:"), message);
        assertTrue(message.contains("/no-such-answers.cfg"), message);
        assertTrue(message.contains("last 20 lines of the serial console"), message);
        assertTrue(message.contains("ingot-install: ERROR: cannot fetch answer file"), message);
        String log = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(log.contains("GET /no-such-answers.cfg 404"), "the answer server logged the 404");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(build.buildId()), "no QEMU outlives the build");
        assertFalse(Files.exists(build.disk().path()), "--on-error=cleanup removes the disk");
    }

    @Test
    void failingProvisionerNamesTheStepAndExitStatus() throws Exception {
        var recipe = TestImages.variant("provision-exit-3", yaml -> yaml.replace("provisioners:\n", """
                provisioners:
                  - type: shell
                    name: fails
                    inline:
                      - echo about to fail
                      - exit 3
                """));
        BuildContext build = TestImages.build(recipe, OnError.KEEP);
        assertNotNull(build.failure(), "the build must fail");
        String message = build.failure().getMessage();
        assertTrue(message.startsWith("stage provision failed: provisioner 'fails' exited with status 3"), message);
        String log = Files.readString(build.buildDir().resolve("build.log"));
        assertTrue(log.contains("fails: about to fail"), "the step's output is in the log, prefixed by its name");
        assertEquals(List.of(), TestImages.qemuProcessesMentioning(build.buildId()), "no QEMU outlives the build");
        assertTrue(Files.exists(build.disk().path()), "--on-error=keep keeps the VM disk");
    }
}
