package io.ingot.pipeline.stage;

import io.ingot.recipe.Recipe;
import io.ingot.recipe.SealOperation;
import io.ingot.util.Command;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SealStageTest {

    /** Runs a seal script with the host's /bin/sh (POSIX, like the guests' busybox ash and dash). */
    private static Command.Result runScript(String script) throws Exception {
        return Command.exec(List.of("sh", "-c", script));
    }

    @Test
    void aFailingExtraLineFailsTheSealAndNamesItsStep() throws Exception {
        Recipe.Seal seal = new Recipe.Seal(List.of(), List.of(), List.of("true", "false", "echo should-not-run"));
        Command.Result r = runScript(SealStage.script(seal, "AAAAkey"));
        assertNotEquals(0, r.exitCode(), "a failing seal line must fail the seal");
        assertFalse(r.stdout().contains("should-not-run"), r.stdout());
        List<String> output = Arrays.asList((r.stdout() + r.stderr()).split("\n"));
        String message = SealStage.failure(output, r.exitCode());
        assertTrue(message.contains("sealing failed at step 'extra[1]'"), message);
    }

    @Test
    void aCleanSealExitsZero() throws Exception {
        Recipe.Seal seal = new Recipe.Seal(List.of(), List.of(), List.of("true"));
        Command.Result r = runScript(SealStage.script(seal, "AAAAkey"));
        assertEquals(0, r.exitCode(), r.stderr());
        assertFalse(r.stderr().contains("ingot-seal: failed"), r.stderr());
    }

    @Test
    void defaultsCleanCloudInitAndEveryIdentity() {
        String script = SealStage.script(Recipe.Seal.DEFAULT, "AAAAkey");
        assertTrue(script.startsWith("set -eu\n"), script);
        assertTrue(script.contains("cloud-init clean --logs"), script);
        // the boot's end (cloud-final included) before cloud-init's status: 22.4's --wait returns at a stage's error
        int bootEnd = script.indexOf("systemctl is-system-running --wait");
        assertTrue(bootEnd >= 0 && bootEnd < script.indexOf("cloud-init status --wait"), script);
        assertTrue(script.contains("/var/lib/systemd/random-seed"), script);
        // a persistent journal stops being written under the build's machine-id before it is removed
        assertTrue(script.indexOf("journalctl --relinquish-var") < script.indexOf("rm -rf /var/log/journal/*"), script);
        assertTrue(script.contains("journalctl --relinquish-var"), script);
        assertTrue(SealOperation.defaults().contains("cloud-init"));
        for (String op : SealOperation.defaults()) assertTrue(script.contains("step=" + op + "\n"), op);
        assertFalse(script.contains("\ntrue\n") || script.endsWith("true\n"), "no trailing true that would hide a failure");
    }
}
