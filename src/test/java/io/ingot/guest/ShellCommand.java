package io.ingot.guest;

import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * One exec request of {@link TestSshServer}, run as a local process. It reports the exit status only after
 * the process's stdout and stderr have been sent in full: MINA's own ProcessShell sometimes sent the exit
 * before the end of stderr, so a test could not tell a missing error message from a dropped one.
 */
final class ShellCommand implements Command {
    private final List<String> argv;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private Process process;

    ShellCommand(List<String> argv) {
        this.argv = List.copyOf(argv);
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
        this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(argv);
        // untranslated messages, as in the Debian guests (C.UTF-8): tests read the guest's error text
        builder.environment().put("LC_ALL", "C.UTF-8");
        process = builder.start();
        // stdin may stay blocked on the channel after the process is gone: a daemon thread, never joined
        pump(in, process.getOutputStream(), true, "stdin");
        Thread stdout = pump(process.getInputStream(), out, false, "stdout");
        Thread stderr = pump(process.getErrorStream(), err, false, "stderr");
        Thread waiter = new Thread(() -> {
            int status;
            try {
                status = process.waitFor();
                stdout.join();
                stderr.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                status = 130;
            }
            exit.onExit(status);
        }, "test-sshd-exit");
        waiter.setDaemon(true);
        waiter.start();
    }

    @Override
    public void destroy(ChannelSession channel) {
        if (process != null) process.destroyForcibly();
    }

    /**
     * Copies until end of input, flushing each block. Only the process's stdin is closed at the end (its EOF);
     * the channel's streams stay open for the exit status, which closes the channel.
     */
    private static Thread pump(InputStream from, OutputStream to, boolean close, String name) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (from) {
                for (int n; (n = from.read(buffer)) >= 0; ) {
                    to.write(buffer, 0, n);
                    to.flush();
                }
                if (close) to.close();
            } catch (IOException e) {
                // the other side went away (a process that exited without reading stdin, a closed channel)
            }
        }, "test-sshd-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
