package io.ingot.sbom;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The guest side of an SBOM: a POSIX sh {@link #SCRIPT} that prints one tab-separated line per fact (os-release, the
 * running kernel, each package dpkg, apk or rpm knows as installed; busybox where there is no package manager), and
 * the host-side parse of its output into an {@link Sbom}. The guest runs nothing of ingot's but this.
 */
public final class GuestInventory {
    /** Busybox's first line names its version: {@code BusyBox v1.35.0 (Debian 1:1.35.0-4+b3) multi-call binary.} */
    private static final java.util.regex.Pattern BUSYBOX = java.util.regex.Pattern.compile("BusyBox v(\\S+).*");

    public static final String SCRIPT = String.join("\n",
            "if [ -r /etc/os-release ]; then ( . /etc/os-release; printf 'os\\t%s\\t%s\\n' \"${ID:-}\" \"${VERSION_ID:-}\" ); fi",
            "printf 'kernel\\t%s\\t%s\\n' \"$(uname -r)\" \"$(uname -m)\"",
            "if command -v dpkg-query > /dev/null 2>&1; then dpkg-query -W -f "
                    + "'deb\\t${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n'; fi",
            "if command -v apk > /dev/null 2>&1; then apk info -v 2> /dev/null | while read -r p; do printf 'apk\\t%s\\n' \"$p\"; done; fi",
            // busybox has an rpm applet of its own, without a database: only the real rpm is asked
            "if rpm --version 2> /dev/null | grep -q '^RPM version'; then rpm -qa --qf 'rpm\\t%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{ARCH}\\n'; fi",
            "if command -v busybox > /dev/null 2>&1; then printf 'busybox\\t%s\\n' \"$(busybox 2>&1 | head -n 1)\"; fi",
            "true") + "\n";

    private GuestInventory() { }

    /** The SBOM of {@code subject} from the lines {@link #SCRIPT} printed; lines it does not know are skipped. */
    public static Sbom parse(String subject, List<String> lines, Instant created) {
        String osId = "";
        String osVersion = "";
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            if (f[0].equals("os") && f.length >= 3) {
                osId = f[1].trim().toLowerCase(Locale.ROOT);
                osVersion = f[2].trim();
            }
        }
        Distro distro = new Distro(osId, osVersion);
        List<Component> out = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.split("\t", -1);
            switch (f[0]) {
                case "kernel" -> {
                    if (f.length >= 2 && !f[1].isBlank()) {
                        String arch = f.length >= 3 ? f[2].trim() : null;
                        out.add(new Component(Component.OPERATING_SYSTEM, Component.KERNEL, f[1].trim(), arch, "Linux",
                                Purls.of("generic", null, Component.KERNEL, f[1].trim(), arch, null), null, null));
                    }
                }
                case "deb" -> {
                    // db:Status-Abbrev is want, state, error: "ii " is installed, "rc " only its configuration left
                    if (f.length >= 7 && f[1].length() >= 2 && f[1].charAt(1) == 'i') {
                        String name = f[2];
                        String version = f[3];
                        out.add(new Component(Component.LIBRARY, name, version, f[4], distro.ecosystem(),
                                Purls.of("deb", distro.namespace("debian"), name, version, f[4], distro.purlDistro()),
                                f[5].isEmpty() ? name : f[5], f[6].isEmpty() ? version : f[6]));
                    }
                }
                case "apk" -> {
                    // name-version-rN; the name may hold '-' too: the last two parts are the version
                    if (f.length >= 2) {
                        String[] parts = f[1].trim().split("-");
                        if (parts.length >= 3) {
                            String name = String.join("-", java.util.Arrays.copyOf(parts, parts.length - 2));
                            String version = parts[parts.length - 2] + "-" + parts[parts.length - 1];
                            out.add(new Component(Component.LIBRARY, name, version, null, distro.ecosystem(),
                                    Purls.of("apk", distro.namespace("alpine"), name, version, null, distro.purlDistro()), null, null));
                        }
                    }
                }
                case "rpm" -> {
                    if (f.length >= 4) {
                        String version = f[2].startsWith("0:") ? f[2].substring(2) : f[2];
                        out.add(new Component(Component.LIBRARY, f[1], version, f[3], distro.ecosystem(),
                                Purls.of("rpm", distro.namespace("rpm"), f[1], version, f[3], distro.purlDistro()), null, null));
                    }
                }
                case "busybox" -> {
                    // a guest with a package manager lists busybox as its package already
                    var m = f.length >= 2 ? BUSYBOX.matcher(f[1].trim()) : null;
                    boolean managed = lines.stream().anyMatch(l -> l.startsWith("deb\t") || l.startsWith("apk\t") || l.startsWith("rpm\t"));
                    if (m != null && m.matches() && !managed) {
                        out.add(new Component(Component.LIBRARY, "busybox", m.group(1), null, "generic",
                                Purls.of("generic", null, "busybox", m.group(1), null, null), null, null));
                    }
                }
                default -> { }
            }
        }
        String serial = "urn:uuid:" + UUID.nameUUIDFromBytes((subject + created + out).getBytes(StandardCharsets.UTF_8));
        return new Sbom(serial, subject, created, out);
    }

    /** The guest's os-release ID and VERSION_ID. */
    private record Distro(String id, String version) {
        /** As OSV names the ecosystem: {@code Debian:12}, {@code Alpine:v3.19}, {@code Ubuntu:24.04}. */
        String ecosystem() {
            if (id.isEmpty()) return "generic";
            String family = id.substring(0, 1).toUpperCase(Locale.ROOT) + id.substring(1);
            if (version.isEmpty()) return family;
            if (id.equals("alpine")) {
                String[] v = version.split("\\.");
                return family + ":v" + (v.length >= 2 ? v[0] + "." + v[1] : version);
            }
            return family + ":" + version;
        }

        String namespace(String fallback) {
            return id.isEmpty() ? fallback : id;
        }

        String purlDistro() {
            return id.isEmpty() ? null : version.isEmpty() ? id : id + "-" + version;
        }
    }
}
