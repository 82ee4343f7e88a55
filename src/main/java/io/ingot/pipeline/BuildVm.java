package io.ingot.pipeline;

import io.ingot.qemu.ScreenRecorder;
import io.ingot.qemu.Vm;

import java.nio.file.Path;

/**
 * A VM the build started: its process, serial log, screen recorder (null without a display) and the loopback port
 * forwarded to its SSH port (0 when none). Its stage sets it once; the stage that sees it end normally (installer
 * powered off, guest shut down, memory saved) marks it {@linkplain #ended() ended}: a failure after that reports
 * no screen or console of it.
 */
public final class BuildVm {
    private final VmRole role;
    private final Vm vm;
    private final Path serialLog;
    private final ScreenRecorder screen;
    private final int sshPort;
    private volatile boolean ended;

    public BuildVm(VmRole role, Vm vm, Path serialLog, ScreenRecorder screen, int sshPort) {
        this.role = role;
        this.vm = vm;
        this.serialLog = serialLog;
        this.screen = screen;
        this.sshPort = sshPort;
    }

    public VmRole role() { return role; }
    public Vm vm() { return vm; }
    public Path serialLog() { return serialLog; }
    /** Saves its screen every few seconds; null when it has no display. */
    public ScreenRecorder screen() { return screen; }
    public int sshPort() { return sshPort; }
    public boolean ended() { return ended; }

    /** Its stage is done with it: the screen recorder stops; a failure report no longer names its console. */
    public void end() {
        ended = true;
        stopScreen();
    }

    /** Stops saving its screen (kept when {@code --on-error abort} leaves the VM running). */
    public void stopScreen() {
        if (screen != null) screen.close();
    }
}
