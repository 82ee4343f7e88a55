package io.ingot.pipeline.stage;

import io.ingot.guest.ExecResult;
import io.ingot.pipeline.BuildLog;
import io.ingot.recipe.Recipe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** verify's check loop against a fake guest: in order, with their timeouts, stopping at the first failure. */
class VerifyStageTest {
    @Test
    void checksRunInOrderAndTheFirstFailureStopsThemNamingTheCheck(@TempDir Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BuildLog log = new BuildLog(dir.resolve("build.log"), new PrintStream(out, true, StandardCharsets.UTF_8), s -> s);
        List<String> ran = new ArrayList<>();
        List<Duration> timeouts = new ArrayList<>();
        List<Recipe.VerifyCheck> checks = List.of(
                new Recipe.VerifyCheck("ssh up", "true", null),
                new Recipe.VerifyCheck(null, "test -f /etc/motd", "10s"),
                new Recipe.VerifyCheck("never", "echo not reached", null));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> VerifyStage.runChecks(checks, (command, timeout, sink) -> {
            ran.add(command);
            timeouts.add(timeout);
            sink.accept("output of " + command);
            return new ExecResult(command.startsWith("test") ? 1 : 0, null, Duration.ZERO);
        }, log));
        assertEquals(List.of("true", "test -f /etc/motd"), ran);
        assertEquals(List.of(Duration.ofMinutes(5), Duration.ofSeconds(10)), timeouts);
        assertEquals("verify check 'test -f /etc/motd' failed with exit status 1; nothing was published", e.getMessage());
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("verify ssh up: output of true") && text.contains("verify check 'ssh up' passed"), text);
    }
}
