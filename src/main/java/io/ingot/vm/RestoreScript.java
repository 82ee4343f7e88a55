package io.ingot.vm;

import io.ingot.guest.Shell;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A memory clone's onRestore steps, with its identity in the environment, handed to the guest through QEMU's
 * fw_cfg ({@code /sys/firmware/qemu_fw_cfg/by_name/opt/io.ingot/onrestore/raw} in the guest, readable by root
 * only). A guest that runs it as it resumes (tiny-linux's NIC hot-plug script does, before the link comes up)
 * has its own identity before anything connects to it, and ingot needs no command channel for it; once all
 * steps succeeded the script says {@code ingot-onrestore: ok NONCE} on the serial console. Without that line
 * (another guest, which ignores the entry, or a failed step) ingot runs onRestore over SSH as before.
 *
 * <p>The guest sees an fw_cfg file with the size it had at boot, so the RAM template's VM carries the entry
 * too, a placeholder of {@link #SIZE} bytes, and each clone's script is padded to that size.
 */
public record RestoreScript(String nonce, byte[] content) {
    public static final String FW_CFG_NAME = "opt/io.ingot/onrestore";
    /**
     * Room for the steps and the identity (host keys, authorized keys); a larger script goes over SSH. One page:
     * the guest reads fw_cfg a byte at a time, starting over from the first byte for each read.
     */
    public static final int SIZE = 4096;
    static final String HEADER = "# ingot onRestore ";
    private static final String REPORT = "ingot-onrestore: ";

    /**
     * What the RAM template's VM holds in the entry ({@code size} bytes, {@link #SIZE} for templates made now),
     * and a warm pool process: comments, so a guest that runs it does nothing.
     */
    public static byte[] placeholder(int size) {
        return pad("# ingot: no onRestore script here\n".getBytes(StandardCharsets.UTF_8), size);
    }

    /**
     * The script for one clone; empty when it does not fit in {@link #SIZE} bytes. It runs once, also across a
     * reboot of the guest in the same QEMU process (a NIC plugged in later must not set the clock back or the
     * authorized keys to what they were), marked on the disk where the guest has ingot's directory, else in
     * /run; then it reports on the serial console. A failed step ends it unreported. Shell built-ins only.
     */
    public static Optional<RestoreScript> of(List<String> steps, Map<String, String> environment) {
        String nonce = UUID.randomUUID().toString();
        String onDisk = "/var/lib/ingot/onrestore." + nonce, inRun = "/run/ingot-onrestore." + nonce;
        String script = HEADER + nonce + "\n"
                + "[ ! -e " + onDisk + " ] && [ ! -e " + inRun + " ] || exit 0\n"
                // true, not ':': a failed redirection of a special built-in would end the script
                + "true 2>/dev/null > " + onDisk + " || true > " + inRun + "\n"
                + Shell.exports(environment) + "\n"
                + "set -e\n"
                + String.join("\n", steps) + "\n"
                + "echo '" + REPORT + "ok " + nonce + "' > /dev/ttyS0\n";
        byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > SIZE) return Optional.empty();
        return Optional.of(new RestoreScript(nonce, pad(bytes, SIZE)));
    }

    /** Writes the script (it holds private keys: owner-only) for QEMU to read at its start. */
    public Path write(Path file) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, content);
        return file;
    }

    /** Whether the guest ran the whole script, as its serial console says (false: not run, not yet, or a step failed). */
    public boolean ranIn(Path serialLog) {
        return tail(serialLog, 64 * 1024).contains(REPORT + "ok " + nonce);
    }

    private static byte[] pad(byte[] script, int size) {
        byte[] padded = Arrays.copyOf(script, size);
        Arrays.fill(padded, Math.min(script.length, size), size, (byte) '\n');
        return padded;
    }

    private static String tail(Path file, int bytes) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long start = Math.max(0, f.length() - bytes);
            byte[] b = new byte[(int) (f.length() - start)];
            f.seek(start);
            f.readFully(b);
            return new String(b, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RestoreScript r && nonce.equals(r.nonce) && Arrays.equals(content, r.content);
    }

    @Override
    public int hashCode() {
        return nonce.hashCode();
    }

    @Override
    public String toString() {
        return "RestoreScript[" + nonce + "]"; // never the content: it holds private keys
    }
}
