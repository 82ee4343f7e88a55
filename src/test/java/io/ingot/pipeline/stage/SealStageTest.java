package io.ingot.pipeline.stage;

import io.ingot.recipe.Recipe;
import io.ingot.recipe.SealOperation;
import io.ingot.util.Command;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /** cloud-init's files after the boot's end, read with sh as a guest would: /run moved under {@code run}. */
    private static int[] settledAndClean(Path run) throws Exception {
        String settled = GuestVm.CLOUD_INIT_SETTLED.replace("/run/", run + "/");
        String clean = GuestVm.CLOUD_INIT_RESULT_CLEAN.replace("/run/", run + "/");
        return new int[] {runScript(settled).exitCode(), runScript(clean).exitCode()};
    }

    @Test
    void cloudInitsFilesSayWhetherItIsDoneWithoutRunningIt(@TempDir Path run) throws Exception {
        Path ci = run.resolve("cloud-init");
        Files.createDirectories(ci);
        // not under systemd: only cloud-init itself can tell
        assertNotEquals(0, settledAndClean(run)[0]);
        Files.createDirectories(run.resolve("systemd/system"));
        // off in this boot: it never wrote its status
        assertEquals(0, settledAndClean(run)[0]);
        // started, no result yet: wait for it with cloud-init status
        Files.writeString(ci.resolve("status.json"), "{}");
        assertNotEquals(0, settledAndClean(run)[0]);
        Files.writeString(ci.resolve("result.json"), "{\n \"v1\": {\n  \"datasource\": \"DataSourceNoCloud\",\n  \"errors\": []\n }\n}\n");
        assertArrayEquals(new int[] {0, 0}, settledAndClean(run));
        Files.writeString(ci.resolve("result.json"), "{\n \"v1\": {\n  \"errors\": [\n   \"('init', KeyError('x'))\"\n  ]\n }\n}\n");
        assertEquals(0, settledAndClean(run)[0]);
        assertNotEquals(0, settledAndClean(run)[1], "errors in the result file are reported");
    }

    @Test
    void cloudInitIsCleanedWhereItEverRan(@TempDir Path lib) throws Exception {
        String hasState = SealStage.CLOUD_INIT_HAS_STATE.replace("/var/lib/cloud", lib.resolve("cloud").toString());
        assertNotEquals(0, runScript(hasState).exitCode(), "no state directory: cloud-init never ran");
        Files.createDirectories(lib.resolve("cloud/seed/nocloud"));
        assertNotEquals(0, runScript(hasState).exitCode(), "only a seed: cloud-init never ran");
        Files.createDirectories(lib.resolve("cloud/instances/i-1"));
        assertEquals(0, runScript(hasState).exitCode());
        assertTrue(SealStage.script(Recipe.Seal.DEFAULT, "AAAAkey").contains("if " + SealStage.CLOUD_INIT_HAS_STATE + "; then cloud-init clean --logs;"));
    }
}
