package io.ingot.qemu;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A QEMU version as printed by {@code --version}, e.g. {@code 7.2.22}. */
public record QemuVersion(int major, int minor, int micro) implements Comparable<QemuVersion> {
    private static final Pattern VERSION = Pattern.compile("version (\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    /** Parses the first line of {@code qemu-system-x86_64 --version} or {@code qemu-img --version}. */
    public static QemuVersion parse(String versionOutput) {
        Matcher m = VERSION.matcher(versionOutput == null ? "" : versionOutput);
        if (!m.find()) throw new IllegalArgumentException("no QEMU version in: " + firstLine(versionOutput));
        return new QemuVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    public boolean atLeast(int major, int minor) {
        return this.major > major || (this.major == major && this.minor >= minor);
    }

    @Override
    public int compareTo(QemuVersion o) {
        if (major != o.major) return Integer.compare(major, o.major);
        if (minor != o.minor) return Integer.compare(minor, o.minor);
        return Integer.compare(micro, o.micro);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + micro;
    }

    private static String firstLine(String s) {
        if (s == null) return "(nothing)";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
