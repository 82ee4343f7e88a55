package io.ingot.fleet;

import io.ingot.qemu.AcceleratorProbe;
import io.ingot.qemu.QemuInstallation;
import io.ingot.storage.StorageConfig;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Who a worker is and what it can do: its name and host, how many builds it runs at once, its labels (the
 * accelerator its probe chose, the CPU architecture, the kinds of storage it reaches, and any given with
 * {@code --label}) and the ways it can get a template to the daemon. A request reaches only workers whose labels
 * hold every label it requires ({@link #selector}).
 */
public record WorkerProfile(String name, String host, int concurrency, List<String> labels, List<String> deliveries) {
    private static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public WorkerProfile {
        labels = List.copyOf(new LinkedHashSet<>(labels));
        deliveries = List.copyOf(deliveries);
        if (concurrency < 1) throw new UserError("--concurrency must be at least 1, got " + concurrency);
        for (String l : labels) {
            if (!LABEL.matcher(l).matches()) throw new UserError("--label: '" + l + "' is not a label (lower-case letters, digits, '.', '-', '_')");
        }
    }

    /**
     * Labels this host earns: {@code kvm} or {@code tcg} (from the accelerator probe), the CPU architecture as QEMU
     * names it ({@code x86_64}, {@code aarch64}), {@code rbd} when storage.yaml has an rbd storage, {@code s3} when
     * the worker reaches the fleet's bucket, then {@code extra}.
     */
    public static List<String> probeLabels(IngotPaths paths, boolean s3, List<String> extra) {
        List<String> labels = new ArrayList<>();
        QemuInstallation qemu = QemuInstallation.detect();
        labels.add(AcceleratorProbe.forIngot(qemu, paths).resolve("auto").name());
        labels.add(arch(System.getProperty("os.arch")));
        StorageConfig storages = StorageConfig.load(paths.images());
        storages.storages().values().stream().map(StorageConfig.Entry::type).filter("rbd"::equals).findFirst().ifPresent(labels::add);
        if (s3) labels.add("s3");
        labels.addAll(extra);
        return labels;
    }

    static String arch(String javaArch) {
        return switch (javaArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> javaArch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "_");
        };
    }

    /** The default worker name: the host's name, and the images folder when it is not the default one. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    /** Free bytes where this worker keeps its images. */
    public static long freeDisk(IngotPaths paths) {
        try {
            Files.createDirectories(paths.images());
            return Files.getFileStore(paths.images()).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The JMS selector of the requests this worker may take: one of its deliveries, and every required label
     * ({@code ingotRequires0..7}) among its own.
     */
    public String selector() {
        String labelSet = labels.stream().map(WorkerProfile::quote).collect(Collectors.joining(", "));
        StringBuilder s = new StringBuilder(FleetNames.DELIVER + " IN ("
                + deliveries.stream().map(WorkerProfile::quote).collect(Collectors.joining(", ")) + ")");
        for (int i = 0; i < FleetNames.MAX_REQUIRES; i++) {
            String p = FleetNames.REQUIRES + i;
            s.append(" AND (").append(p).append(" IS NULL");
            if (!labels.isEmpty()) s.append(" OR ").append(p).append(" IN (").append(labelSet).append(')');
            s.append(')');
        }
        return s.toString();
    }

    private static String quote(String v) {
        return "'" + v.replace("'", "''") + "'";
    }
}
