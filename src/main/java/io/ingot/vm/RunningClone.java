package io.ingot.vm;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.ingot.qemu.QemuProcess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * A clone started with {@code ingot start}: {@code run.json} in the clone's directory, enough to
 * reach it (SSH port, QMP socket) and to stop it by PID once the starting CLI is gone.
 *
 * @param start         the QEMU process's start time, so a recycled PID is never taken for the clone
 * @param how           {@code booted} or {@code resumed} (a memory clone from its RAM template)
 * @param resumedMillis for a resumed clone: from spawning QEMU to {@code cont} returning
 * @param hostKey       for a resumed clone: its SSH host key after onRestore
 * @param nics          its NICs: network, MAC, tap and address as far as known at start
 * @param consoleSocket its serial console, for {@code ingot console} (null in a record of an ingot that made none)
 */
public record RunningClone(String name, long pid, String start, int sshPort, String qmpSocket, String serialLog,
                           String accelerator, String how, Long resumedMillis, String hostKey, java.util.List<Nic> nics,
                           String consoleSocket) {

    /**
     * A running NIC: {@code network} {@code user} (QEMU's user network, reached through the SSH forward) or a network of
     * networks.yaml; {@code tap} its host side on the bridge; {@code address} without prefix (null: by DHCP, not seen yet).
     */
    public record Nic(String network, String mac, String tap, String address) { }
    public static final String FILE_NAME = "run.json";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public void write(Path cloneDir) throws IOException {
        Path tmp = cloneDir.resolve(FILE_NAME + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, cloneDir.resolve(FILE_NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The clone's run record if its QEMU still runs; a stale record is removed. */
    public static Optional<RunningClone> read(Path cloneDir) throws IOException {
        Path file = cloneDir.resolve(FILE_NAME);
        if (!Files.exists(file)) return Optional.empty();
        RunningClone r = JSON.readValue(file.toFile(), RunningClone.class);
        if (r.process().isPresent()) return Optional.of(r);
        Files.deleteIfExists(file);
        return Optional.empty();
    }

    /** The live QEMU process of this record, if the PID still belongs to it. */
    public Optional<ProcessHandle> process() {
        return QemuProcess.running(pid, start);
    }
}
