package io.ingot.qemu;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingot.util.IngotPaths;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU running as an ordinary child process (never {@code -daemonize}: exec: migration fails under it),
 * with its QMP connection, or one {@link #adopt adopted} from the warm pool. Each one is recorded under
 * the run directory while it lives, and a JVM shutdown hook kills it if ingot is interrupted.
 * {@link #close()} stops it.
 */
public final class QemuProcess implements AutoCloseable {
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final QemuCommand command;
    private final ProcessHandle handle;
    /** Null for an adopted process: it is not this JVM's child, so it has no exit code for us. */
    private final Process child;
    private final Path log;
    private final Path record;
    private final Thread shutdownHook;
    private QmpClient qmp;
    private boolean stopped;

    private QemuProcess(QemuCommand command, ProcessHandle handle, Process child, Path log, Path record) {
        this.command = command;
        this.handle = handle;
        this.child = child;
        this.log = log;
        this.record = record;
        this.shutdownHook = new Thread(this::killOnExit, "qemu-kill-" + command.name());
    }

    /** Starts QEMU with the run registry under {@code IngotPaths.state()/run}. */
    public static QemuProcess start(QemuCommand command, Path logDir) {
        return start(command, logDir, IngotPaths.fromEnvironment().state().resolve("run"), DEFAULT_START_TIMEOUT);
    }

    /**
     * Starts QEMU, writes {@code logDir/qemu-<name>.log} (its stdout and stderr) and {@code runDir/<name>.json},
     * and waits until its QMP socket answers. If QEMU exits or does not answer within {@code startTimeout}, the
     * {@link QemuException} quotes the last lines of its output.
     */
    public static QemuProcess start(QemuCommand command, Path logDir, Path runDir, Duration startTimeout) {
        if (command.qmpSocket() == null) throw new IllegalArgumentException("QemuProcess needs a command with a QMP socket");
        QemuProcess qp;
        try {
            Files.createDirectories(logDir);
            Files.createDirectories(runDir);
            Files.deleteIfExists(command.qmpSocket());
            Path log = logFile(logDir, command.name());
            Process p = new ProcessBuilder(command.argv()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            qp = new QemuProcess(command, p.toHandle(), p, log, runDir.resolve(safe(command.name()) + ".json"));
        } catch (IOException e) {
            throw new QemuException("cannot start " + command.argv().get(0) + ": " + e.getMessage(), e);
        }
        return qp.watch(startTimeout);
    }

    /** Records the process, kills it on JVM exit, connects QMP; stops it if any of that fails. */
    private QemuProcess watch(Duration timeout) {
        try {
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            writeRecord();
            qmp = connectQmp(timeout);
            return this;
        } catch (RuntimeException | IOException e) {
            stop(Duration.ofSeconds(1));
            if (e instanceof QemuException qe) throw qe;
            throw new QemuException("QEMU " + command.name() + ": " + e.getMessage() + tailForError(), e);
        }
    }

    /**
     * Takes charge of a QEMU that another ingot process spawned and detached (a warm pool's waiting
     * process): recorded in {@code runDir} and killed on JVM exit like a child, until {@link #detach()}.
     */
    public static QemuProcess adopt(ProcessHandle handle, QemuCommand command, Path log, Path runDir, Duration timeout) {
        try {
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new QemuException("cannot create the QEMU run registry " + runDir + ": " + e.getMessage(), e);
        }
        return new QemuProcess(command, handle, null, log, runDir.resolve(safe(command.name()) + ".json")).watch(timeout);
    }

    private QmpClient connectQmp(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (!handle.isAlive()) {
                throw new QemuException("QEMU " + command.name() + " exited" + exitCode().map(c -> " with code " + c).orElse("")
                        + " while starting" + tailForError());
            }
            if (Files.exists(command.qmpSocket())) {
                try {
                    return QmpClient.connect(command.qmpSocket());
                } catch (IOException e) {
                    last = e; // socket file exists but QEMU is not listening yet
                }
            }
            sleep(20);
        }
        throw new QemuException("QEMU " + command.name() + " did not open its QMP socket within " + timeout.toSeconds() + "s"
                + (last != null ? " (" + last.getMessage() + ")" : "") + tailForError());
    }

    public long pid() {
        return handle.pid();
    }

    public QmpClient qmp() {
        return qmp;
    }

    public QemuCommand command() {
        return command;
    }

    /** QEMU's combined stdout and stderr. */
    public Path log() {
        return log;
    }

    public boolean isAlive() {
        return handle.isAlive();
    }

    /** Exit code once QEMU has exited (unknown for an adopted process). */
    public Optional<Integer> exitCode() {
        return child == null || child.isAlive() ? Optional.empty() : Optional.of(child.exitValue());
    }

    /** Waits for QEMU to exit on its own (guest powered off, {@code -no-reboot} reboot); true if it did. */
    public boolean waitForExit(Duration timeout) {
        if (child == null) return waitGone(handle, timeout);
        try {
            return child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last {@code n} lines QEMU wrote to stdout/stderr. */
    public List<String> logTail(int n) {
        return tail(log, n);
    }

    /**
     * Stops QEMU: QMP {@code quit}, then SIGTERM, then SIGKILL, each given {@code grace}; only this
     * process's PID is signalled. Removes the registry record and the shutdown hook. Idempotent.
     */
    public synchronized void stop(Duration grace) {
        if (stopped) return;
        stopped = true;
        try {
            if (handle.isAlive() && qmp != null && qmp.isConnected()) {
                try {
                    qmp.quit();
                } catch (QemuException ignored) {
                    // falls through to signals
                }
                waitForExit(grace);
            }
            if (handle.isAlive()) {
                handle.destroy();
                waitForExit(grace);
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
                waitForExit(Duration.ofSeconds(10));
            }
        } finally {
            if (qmp != null) qmp.close();
            deleteQuietly(record);
            deleteQuietly(command.qmpSocket());
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down; the hook is running or will run
            }
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }

    /**
     * Lets QEMU outlive this JVM ({@code ingot start}): no shutdown hook, no registry record (the reaper
     * must not take it for a leftover), QMP connection closed. Whoever detaches records the PID.
     */
    public synchronized void detach() {
        stopped = true;
        if (qmp != null) qmp.close();
        deleteQuietly(record);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down
        }
    }

    /** The start time of this QEMU process (ISO instant), to recognise its PID later. */
    public Optional<String> startTime() {
        return startOf(handle);
    }

    /** Ctrl-C or JVM exit: no time for QMP; signal the child and forget it. */
    private void killOnExit() {
        if (handle.isAlive()) {
            handle.destroy();
            if (!waitGone(handle, Duration.ofSeconds(2))) handle.destroyForcibly();
        }
        deleteQuietly(record);
    }

    private void writeRecord() throws IOException {
        ProcessHandle self = ProcessHandle.current();
        RunRecord r = new RunRecord(command.name(), handle.pid(), startOf(handle).orElse(null),
                command.argv().get(0), self.pid(), startOf(self).orElse(null));
        Path tmp = record.resolveSibling(record.getFileName() + ".tmp");
        JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), r);
        Files.move(tmp, record, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Kills QEMU processes recorded in {@code runDir} whose owner JVM is gone, and removes stale records.
     * A PID is killed only if its start time still matches the record (never a recycled PID).
     *
     * @return one line per record handled, for the log
     */
    public static List<String> reapStale(Path runDir) {
        List<String> done = new ArrayList<>();
        if (!Files.isDirectory(runDir)) return done;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(runDir, "*.json")) {
            for (Path file : files) {
                RunRecord r;
                try {
                    r = JSON.readValue(file.toFile(), RunRecord.class);
                } catch (IOException e) {
                    deleteQuietly(file);
                    done.add("removed unreadable record " + file.getFileName());
                    continue;
                }
                if (isSameProcess(r.ownerPid(), r.ownerStart())) continue; // its owner still runs it
                Optional<ProcessHandle> qemu = ProcessHandle.of(r.pid()).filter(ProcessHandle::isAlive);
                if (qemu.isPresent() && isSameProcess(r.pid(), r.start()) && commandMatches(qemu.get(), r.command())) {
                    terminate(qemu.get(), Duration.ofSeconds(3), Duration.ofSeconds(5));
                    done.add("killed stale QEMU " + r.name() + " (pid " + r.pid() + ", owner pid " + r.ownerPid() + " is gone)");
                } else {
                    done.add("removed stale record " + r.name() + " (pid " + r.pid() + " no longer runs that QEMU)");
                }
                deleteQuietly(file);
            }
        } catch (IOException e) {
            throw new QemuException("cannot read the QEMU run registry " + runDir + ": " + e.getMessage(), e);
        }
        return done;
    }

    private static boolean isSameProcess(long pid, String start) {
        return running(pid, start).isPresent();
    }

    /**
     * The live process with this PID if it started at {@code start} (an ISO instant, as recorded): never a
     * recycled PID. Without a recorded start it cannot be verified and counts as another process.
     */
    public static Optional<ProcessHandle> running(long pid, String start) {
        if (start == null) return Optional.empty();
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(h -> startOf(h).map(start::equals).orElse(false));
    }

    /** SIGTERM to this one PID, then SIGKILL if it is still there after {@code termGrace}. */
    public static void terminate(ProcessHandle h, Duration termGrace, Duration killGrace) {
        h.destroy();
        if (!waitGone(h, termGrace)) {
            h.destroyForcibly();
            waitGone(h, killGrace);
        }
    }

    private static boolean commandMatches(ProcessHandle h, String command) {
        Optional<String> actual = h.info().command();
        if (actual.isEmpty() || command == null) return true; // start time already matched
        return Path.of(actual.get()).getFileName().equals(Path.of(command).getFileName());
    }

    private static Optional<String> startOf(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toString);
    }

    /** Where {@link #start} puts the output of the QEMU named {@code name}. */
    public static Path logFile(Path logDir, String name) {
        return logDir.resolve("qemu-" + safe(name) + ".log");
    }

    /** Waits for a process to end; true if it did within {@code timeout}. */
    public static boolean waitGone(ProcessHandle h, Duration timeout) {
        try {
            h.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return !h.isAlive();
        }
    }

    private String tailForError() {
        List<String> lines = tail(log, 10);
        return lines.isEmpty() ? "" : "; QEMU said:\n  " + String.join("\n  ", lines);
    }

    static List<String> tail(Path file, int n) {
        try {
            if (file == null || !Files.exists(file)) return List.of();
            List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream().filter(l -> !l.isBlank()).toList();
            return all.subList(Math.max(0, all.size() - n), all.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static void deleteQuietly(Path p) {
        if (p == null) return;
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort; a leftover record is reaped later
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted while starting QEMU");
        }
    }
}
