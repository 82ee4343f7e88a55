package io.ingot.recipe;

import java.util.Arrays;
import java.util.List;

/** The things sealing can remove from a guest before it becomes a template. */
public enum SealOperation {
    BUILD_KEY("build-key"),
    AUTHORIZED_KEYS("authorized-keys"),
    HOST_KEYS("host-keys"),
    MACHINE_ID("machine-id"),
    CLOUD_INIT("cloud-init"),
    LOGS("logs"),
    SHELL_HISTORY("shell-history"),
    DHCP_LEASES("dhcp-leases"),
    TMP("tmp");

    private final String key;

    SealOperation(String key) { this.key = key; }

    public String key() { return key; }

    public static List<String> defaults() {
        return Arrays.stream(values()).map(SealOperation::key).toList();
    }

    public static SealOperation of(String key) {
        for (SealOperation op : values()) if (op.key.equals(key)) return op;
        throw new IllegalArgumentException("unknown seal operation: " + key);
    }
}
