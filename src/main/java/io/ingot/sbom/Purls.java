package io.ingot.sbom;

import java.nio.charset.StandardCharsets;

/** Package URLs (purl, github.com/package-url/purl-spec): {@code pkg:deb/debian/openssh-server@1:9.2p1-2%2Bdeb12u3?arch=amd64&distro=debian-12}. */
final class Purls {
    private Purls() { }

    static String of(String type, String namespace, String name, String version, String arch, String distro) {
        StringBuilder b = new StringBuilder("pkg:").append(type).append('/');
        if (namespace != null) b.append(encode(namespace)).append('/');
        b.append(encode(name)).append('@').append(encode(version));
        String sep = "?";
        if (arch != null && !arch.isEmpty()) {
            b.append(sep).append("arch=").append(encode(arch));
            sep = "&";
        }
        if (distro != null && !distro.isEmpty()) b.append(sep).append("distro=").append(encode(distro));
        return b.toString();
    }

    /** Percent-encodes all but letters, digits and {@code . - _ ~ :} (the spec leaves ':' as it is). */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'
                    || c == '~' || c == ':') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }
}
