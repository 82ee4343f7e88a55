package io.ingot.qemu;

import io.ingot.util.IngotPaths;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU running as an ordinary child process (never {@code -daemonize}: exec: migration fails under it),
 * with its QMP connection, or one {@link #adopt adopted} from the warm pool. Each one is recorded in the
 * {@link RunRegistry} while it lives, a JVM shutdown hook kills it if ingot is interrupted, and a {@link Tether}
 * stops it when ingot is killed outright. {@link #close()} stops it.
 */
public final class QemuProcess implements Vm, AutoCloseable {
    public static final Duration DEFAULT_START_TIMEOUT = Duration.ofSeconds(10);

    private final QemuCommand command;
    private final ProcessHandle handle;
    /** Null for an adopted process: it is not this JVM's child, so it has no exit code for us. */
    private final Process child;
    private final Path log;
    private final RunRegistry registry;
    private final Thread shutdownHook;
    private final Tether tether;
    /** The watchdog's pipe ({@link Tether#WATCHDOG}), else null. */
    private final OutputStream tetherPipe;
    private QmpClient qmp;
    private boolean stopped;

    private QemuProcess(QemuCommand command, ProcessHandle handle, Process child, Path log, RunRegistry registry,
                        Tether tether, OutputStream tetherPipe) {
        this.command = command;
        this.handle = handle;
        this.child = child;
        this.log = log;
        this.registry = registry;
        this.tether = tether;
        this.tetherPipe = tetherPipe;
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
        return start(command, logDir, runDir, startTimeout, Tether.NONE);
    }

    /** As {@link #start(QemuCommand, Path, Path, Duration)}, tied to this JVM as {@code tether} says. */
    public static QemuProcess start(QemuCommand command, Path logDir, Path runDir, Duration startTimeout, Tether tether) {
        if (command.qmpSocket() == null) throw new IllegalArgumentException("QemuProcess needs a command with a QMP socket");
        QemuProcess qp;
        try {
            Files.createDirectories(logDir);
            Files.createDirectories(runDir);
            Files.deleteIfExists(command.qmpSocket());
            Path log = logFile(logDir, command.name());
            Process p = new ProcessBuilder(tether.apply(command).argv()).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(tether.needsPipe() ? ProcessBuilder.Redirect.PIPE : ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            qp = new QemuProcess(command, p.toHandle(), p, log, new RunRegistry(runDir), tether,
                    tether.needsPipe() ? p.getOutputStream() : null);
        } catch (IOException e) {
            throw new QemuException("cannot start " + command.qemuArgv().get(0) + ": " + e.getMessage(), e);
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
        return new QemuProcess(command, handle, null, log, new RunRegistry(runDir), Tether.NONE, null).watch(timeout);
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

    /**
     * Waits for QEMU to exit on its own (guest powered off, {@code -no-reboot} reboot); true if it did. A QEMU that
     * has exited is forgotten at once (run record, QMP socket, watchdog, shutdown hook), as {@link #stop} would.
     */
    public boolean waitForExit(Duration timeout) {
        boolean exited = awaitExit(timeout);
        if (exited) stop(Duration.ZERO);
        return exited;
    }

    private boolean awaitExit(Duration timeout) {
        if (child == null) return waitGone(handle, timeout);
        try {
            return child.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
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
                awaitExit(grace);
            }
            if (handle.isAlive()) {
                handle.destroy();
                awaitExit(grace);
            }
            if (handle.isAlive()) {
                handle.destroyForcibly();
                awaitExit(Duration.ofSeconds(10));
            }
        } finally {
            if (qmp != null) qmp.close();
            release();
            registry.remove(command.name());
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
        release();
        registry.remove(command.name());
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down
        }
    }

    /**
     * Leaves QEMU running after this JVM ends ({@code --on-error abort}): no shutdown hook, the watchdog
     * released, QMP closed, and its record kept, marked so the reaper reports it instead of killing it and
     * {@code ingot doctor --repair} can stop it. False when its tether cannot be undone (QEMU's exit-with-parent):
     * it then ends with this JVM.
     */
    public synchronized boolean leaveRunning() {
        stopped = true;
        if (qmp != null) qmp.close();
        release();
        if (tether != Tether.EXIT_WITH_PARENT) {
            registry.find(command.name()).ifPresent(r -> {
                try {
                    registry.write(r.markedLeft());
                } catch (IOException e) {
                    // the reaper then treats it as stale: it is stopped at the next build instead of kept
                }
            });
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down
        }
        return tether != Tether.EXIT_WITH_PARENT;
    }

    /** Ends the watchdog without a signal to QEMU: {@code leave} comes before the close, which alone would mean this JVM died. */
    private void release() {
        if (tetherPipe == null) return;
        try {
            tetherPipe.write((Tether.LEAVE + "\n").getBytes(StandardCharsets.US_ASCII));
            tetherPipe.flush();
        } catch (IOException ignored) {
            // the watchdog is gone already
        }
        try {
            tetherPipe.close();
        } catch (IOException ignored) {
            // same
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
        registry.remove(command.name());
    }

    /** QEMU's own binary and command line, never a wrapper's: the reaper checks the PID against them. */
    private void writeRecord() throws IOException {
        ProcessHandle self = ProcessHandle.current();
        List<String> qemuArgv = command.qemuArgv();
        registry.write(new RunRecord(command.name(), handle.pid(), startOf(handle).orElse(null), qemuArgv.get(0),
                self.pid(), startOf(self).orElse(null), qemuArgv, false,
                command.qmpSocket() == null ? null : command.qmpSocket().toString()));
    }

    /**
     * Kills QEMU processes recorded in {@code runDir} whose owner JVM is gone, and removes stale records.
     * A PID is killed only if its start time still matches the record (never a recycled PID).
     *
     * @return one line per record handled, for the log
     */
    public static List<String> reapStale(Path runDir) {
        return new RunRegistry(runDir).reap(false);
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

    static Optional<String> startOf(ProcessHandle h) {
        return h.info().startInstant().map(Instant::toString);
    }

    /** Where {@link #start} puts the output of the QEMU named {@code name}. */
    public static Path logFile(Path logDir, String name) {
        return logDir.resolve("qemu-" + RunRegistry.safe(name) + ".log");
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
