package io.ingot.it;

import io.ingot.images.CloneInstances;
import io.ingot.images.CloneOptions;
import io.ingot.images.ImageStore;
import io.ingot.vm.RunningClone;
import io.ingot.vm.WarmPool;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot console} against clones of the shared tiny-linux template, whose serial port has a getty (a login
 * prompt; root's password is locked, so no shell): the real CLI in a child JVM, its standard input a pipe.
 */
class ConsoleIT {
    private static final Duration CLI = Duration.ofMinutes(1);

    @Test
    void aBootedClonesConsoleTalksToItsGettyWhileTheSerialLogStillFills() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        store.clones().clone("tiny-linux", "con-boot", new CloneOptions(true, null, null, List.of()));
        CloneInstances instances = new CloneInstances(store);
        IngotChild cli = cli();
        try {
            IngotChild.Result notRunning = cli.run(CLI, "console", "con-boot");
            assertEquals(2, notRunning.exitCode(), notRunning.toString());
            assertEquals("ingot: clone 'con-boot' is not running; start it: ingot start con-boot", notRunning.output().strip());

            IngotChild.Result started = cli.run(Duration.ofMinutes(3), "start", "con-boot");
            assertEquals(0, started.exitCode(), started.toString());
            RunningClone r = instances.status("con-boot").orElseThrow();
            assertTrue(started.output().contains("  serial console: ingot console con-boot (log: " + r.serialLog() + ")"), started.toString());
            assertTrue(r.consoleSocket().endsWith("/con-boot.tty") && Path.of(r.consoleSocket()).getParent().equals(Path.of(r.qmpSocket()).getParent()),
                    "run.json records the console socket, beside the QMP socket: " + r);
            // nobody attached while it booted: the serial log got the boot all the same
            Path serialLog = Path.of(r.serialLog());
            awaitSerial(serialLog, "ingot-ready: con-boot", Duration.ofMinutes(3));

            IngotChild.Session console = cli.session("console", "con-boot");
            int at = console.awaitOutput(0, "Connected to con-boot's serial console; Ctrl-] detaches", CLI);
            console.type("\n"); // getty asks again
            at = console.awaitOutput(at, "con-boot login: ", CLI);
            console.type("root\n"); // getty runs login, which asks for the (locked) password
            console.awaitOutput(at, "Password: ", CLI);

            IngotChild.Result second = cli.run(CLI, "console", "con-boot");
            assertEquals(2, second.exitCode(), second.toString());
            assertEquals("ingot: con-boot's serial console is attached in another 'ingot console'; detach there with Ctrl-]",
                    second.output().strip(), "QEMU would leave a second client waiting unanswered");

            IngotChild.Result ended = console.endInput(CLI);
            assertEquals(0, ended.exitCode(), ended.toString());
            assertTrue(ended.output().strip().endsWith("Input ended; detached from con-boot's serial console"), ended.toString());
            assertTrue(serialOf(serialLog).contains("Password: "), "the serial log has what the console showed");
            assertTrue(serialOf(serialLog).contains("ingot-ready: con-boot"), "and still the boot before it (one run, one log)");

            // Ctrl-] detaches with the input still open (as on a terminal), and the console is free again
            IngotChild.Session again = cli.session("console", "con-boot");
            again.awaitOutput(0, "Ctrl-] detaches", CLI);
            again.type("\u001d");
            IngotChild.Result detached = again.finish(CLI);
            assertEquals(0, detached.exitCode(), detached.toString());
            assertTrue(detached.output().strip().endsWith("Detached from con-boot's serial console"), detached.toString());

            assertTrue(instances.stop("con-boot", Duration.ofSeconds(20)));
            assertTrue(Files.notExists(Path.of(r.consoleSocket())), "stop leaves no console socket behind");
            IngotChild.Result stopped = cli.run(CLI, "console", "con-boot");
            assertEquals(2, stopped.exitCode(), stopped.toString());
            assertEquals("ingot: clone 'con-boot' is not running; start it: ingot start con-boot", stopped.output().strip());
        } finally {
            instances.stop("con-boot", Duration.ofSeconds(20));
            store.clones().remove("con-boot");
        }
    }

    @Test
    void memoryClonesResumedOrTakenFromTheWarmPoolHaveAConsoleToo() throws Exception {
        TestImages.tinyLinux();
        ImageStore store = TestImages.store();
        store.clones().clone("tiny-linux", "con-ram", CloneOptions.memoryClone(List.of()));
        store.clones().clone("tiny-linux", "con-pool", CloneOptions.memoryClone(List.of()));
        CloneInstances instances = new CloneInstances(store);
        WarmPool pool = instances.pool();
        IngotChild cli = cli();
        try {
            RunningClone resumed = instances.start("con-ram");
            assertEquals("resumed", resumed.how());
            assertLoginPrompt(cli, "con-ram");

            IngotChild.Result filled = cli.run(Duration.ofMinutes(2), "pool", "fill", "tiny-linux", "--size", "1");
            assertEquals(0, filled.exitCode(), filled.toString());
            RunningClone pooled = instances.start("con-pool");
            assertEquals("pool", pooled.how());
            assertLoginPrompt(cli, "con-pool");
            assertTrue(serialOf(Path.of(pooled.serialLog())).contains("con-pool login: "),
                    "a pooled clone's serial log (moved from its pool process) fills as before");
        } finally {
            instances.stop("con-ram", Duration.ofSeconds(10));
            instances.stop("con-pool", Duration.ofSeconds(10));
            pool.drain(slot -> true);
            store.clones().remove("con-ram");
            store.clones().remove("con-pool");
        }
    }

    @Test
    void aCloneThatDoesNotExistIsRefusedInOneLine() throws Exception {
        IngotChild.Result r = cli().run(CLI, "console", "no-such-clone");
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("ingot: no clone named 'no-such-clone' (see: ingot clones)", r.output().strip());
    }

    /**
     * Enter on the console of a memory clone: the getty the template was captured with prompts again, with the clone's
     * own host name (onRestore set it), so the key reached the resumed guest.
     */
    private static void assertLoginPrompt(IngotChild cli, String name) throws Exception {
        IngotChild.Session console = cli.session("console", name);
        int at = console.awaitOutput(0, "Ctrl-] detaches", CLI);
        console.type("\n");
        console.awaitOutput(at, name + " login: ", CLI);
        IngotChild.Result ended = console.endInput(CLI);
        assertEquals(0, ended.exitCode(), ended.toString());
    }

    private static IngotChild cli() {
        return new IngotChild(TestImages.home(), TestImages.paths().images(), TestImages.paths().cache());
    }

    private static void awaitSerial(Path log, String text, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!serialOf(log).contains(text)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' in " + log + ":\n" + serialOf(log));
            Thread.sleep(200);
        }
    }

    private static String serialOf(Path log) throws Exception {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
    }
}
