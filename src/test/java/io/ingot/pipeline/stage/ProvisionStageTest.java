package io.ingot.pipeline.stage;

import io.ingot.guest.BuildKey;
import io.ingot.guest.TestSshServer;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;
import io.ingot.pipeline.BuildVm;
import io.ingot.pipeline.VmRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The provision stage over real SSH (a MINA server running each command with /bin/sh on this machine, its /tmp
 * mapped to a folder of the test's): a command's own exit status is not retried unless the recipe's
 * {@code retryOn} lists {@code exit}; a lost connection is retried, on a new connection. Pauses between attempts
 * are recorded, not slept.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ProvisionStageTest {
    @TempDir Path dir;
    private final BuildKey hostKey = BuildKey.generate();
    private final BuildKey buildKey = BuildKey.generate();
    private final List<Duration> pauses = new ArrayList<>();
    private final List<AutoCloseable> toClose = Collections.synchronizedList(new ArrayList<>());
    private PortLease port;
    private volatile TestSshServer sshd;
    private Path guestTmp;
    private Path runs;

    @BeforeEach
    void guest() throws Exception {
        port = new PortAllocator(dir.resolve("ports")).allocate();
        toClose.add(port);
        guestTmp = Files.createDirectories(dir.resolve("guest-tmp"));
        runs = dir.resolve("runs");
        sshd = server().start();
    }

    @AfterEach
    void closeAll() throws Exception {
        List<AutoCloseable> all = new ArrayList<>(toClose);
        for (int i = all.size() - 1; i >= 0; i--) all.get(i).close();
    }

    @Test
    void aCommandThatExitsNonZeroRunsOnceByDefaultAndTheLogSaysWhy() throws Exception {
        StageFixture f = fixture("""
                    retries: 2
                """, "echo run >> " + runs, "exit 3");
        ProvisionStage.ProvisionerFailed e = assertThrows(ProvisionStage.ProvisionerFailed.class, () -> stage().run(f.build));
        assertEquals("provisioner 'step' exited with status 3", e.getMessage());
        assertEquals(1, Files.readAllLines(runs).size(), "the same command would fail the same way: run once");
        assertEquals(List.of(), pauses);
        assertTrue(f.log().contains("not retried (retryOn: [timeout, disconnect] does not list exit)"), f.log());
    }

    @Test
    void retryOnExitRetriesACommandsExitStatus() throws Exception {
        StageFixture f = fixture("""
                    retries: 2
                    retryOn: [exit]
                """, "echo run >> " + runs, "exit 3");
        assertThrows(ProvisionStage.ProvisionerFailed.class, () -> stage().run(f.build));
        assertEquals(3, Files.readAllLines(runs).size(), "the first attempt and two retries");
        assertEquals(List.of(Duration.ofSeconds(5), Duration.ofSeconds(10)), pauses);
    }

    @Test
    void aLostConnectionIsRetriedOnANewConnection() throws Exception {
        Path started = dir.resolve("started");
        Path done = dir.resolve("done");
        StageFixture f = fixture("""
                    retries: 1
                """, "echo run >> " + runs, "if [ -e " + done + " ]; then exit 0; fi", "touch " + started, "sleep 20");
        // the guest goes away in the middle of the first attempt and comes back (its sshd restarted)
        CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
            try {
                while (!Files.exists(started)) Thread.sleep(50);
                sshd.kill();
                Files.createFile(done);
                sshd = server().start();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        stage().run(f.build);
        restart.get(30, TimeUnit.SECONDS);
        assertEquals(2, Files.readAllLines(runs).size(), "run again after the connection was lost");
        assertEquals(List.of(Duration.ofSeconds(5)), pauses);
        assertTrue(f.log().contains("lost its SSH connection") && f.log().contains("retrying in 5.0s"), f.log());
        assertTrue(f.build.session().ssh().isConnected(), "the stage left a working connection for the next stage");
    }

    // ---- helpers ----

    private TestSshServer server() {
        TestSshServer s = new TestSshServer(hostKey, buildKey.keyPair().getPublic(), port.port(),
                command -> command.replace("/tmp/", guestTmp + "/"));
        toClose.add(s);
        return s;
    }

    private ProvisionStage stage() {
        return new ProvisionStage(new ProvisionerRetries(pauses::add));
    }

    /** A build connected to the test's guest, whose recipe has one shell step of {@code lines} with {@code settings}. */
    private StageFixture fixture(String settings, String... lines) throws Exception {
        StringBuilder inline = new StringBuilder();
        for (String line : lines) inline.append("      - \"").append(line).append("\"\n");
        StageFixture f = new StageFixture(dir, """
                name: provisions
                media:
                  iso: {builtin: tinyinstall}
                communicator: {timeout: 20s}
                provisioners:
                  - type: shell
                    name: step
                """ + settings + "    inline:\n" + inline);
        Files.createDirectories(f.build.buildDir());
        f.build.buildKey(buildKey);
        // the test's sshd stands for the provisioning VM's forwarded SSH port
        f.build.vm(new BuildVm(VmRole.PROVISION, new FakeVm(Duration.ZERO), null, null, port.port()));
        GuestConnection.open(f.build);
        toClose.add(() -> f.build.session().close());
        return f;
    }
}
