package io.ingot.media;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Debian archive ingot builds its media from: the main archive and the security archive (URLs without a
 * trailing slash), the keyring the host's apt checks it with (a file; null: Debian's), and where the choice came
 * from ({@code media.iso.mirror}, {@code INGOT_MIRROR}, or a host's sources file and line), for messages.
 */
public record DebianArchive(String mirror, String security, String keyring, String origin) {

    /** The part of a media cache key: the archives themselves (not where ingot read them). */
    public String identity() {
        return "mirror=" + mirror + "\nsecurity=" + security + "\n";
    }

    /** What the media build scripts read. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_MIRROR", mirror);
        env.put("INGOT_SECURITY_MIRROR", security);
        if (keyring != null) env.put("INGOT_KEYRING", keyring);
        return env;
    }

    /** One line for logs and {@code ingot doctor}. */
    public String describe() {
        return mirror + " (security " + security + "), from " + origin;
    }
}
