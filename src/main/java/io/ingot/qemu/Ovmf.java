package io.ingot.qemu;

import io.ingot.util.UserError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * UEFI firmware from Debian's {@code ovmf} package: the code is shared read-only; every VM (build VM,
 * RAM template, each clone) gets its own copy of the variable store, so NVRAM never leaks between them.
 */
public final class Ovmf {
    static final Path CODE = Path.of("/usr/share/OVMF/OVMF_CODE.fd");
    static final Path VARS = Path.of("/usr/share/OVMF/OVMF_VARS.fd");
    /** The name a VM's own variable store has in its directory. */
    public static final String VARS_FILE = "OVMF_VARS.fd";

    private Ovmf() { }

    public static Path code() {
        if (!Files.isRegularFile(CODE) || !Files.isRegularFile(VARS)) {
            throw new UserError("UEFI firmware (machine.firmware: uefi) needs OVMF: apt-get install ovmf");
        }
        return CODE;
    }

    /** {@code dir/OVMF_VARS.fd}, copied from the package's empty store when missing. */
    public static Path varsIn(Path dir) {
        code();
        Path vars = dir.resolve(VARS_FILE);
        try {
            if (!Files.exists(vars)) Files.copy(VARS, vars);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the UEFI variable store to " + vars + ": " + e.getMessage(), e);
        }
        return vars;
    }

    /** Sets the command's firmware to OVMF with the variable store in {@code dir}. */
    public static QemuCommand.Builder apply(QemuCommand.Builder b, Path dir) {
        return b.firmware(code(), varsIn(dir));
    }
}
