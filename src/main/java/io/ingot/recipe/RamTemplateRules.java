package io.ingot.recipe;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * QEMU settings that cannot work with a RAM template (DESIGN.md "RAM templates: the rules").
 * The validator applies it to {@code machine.qemuArgs}; the capture stage applies it again to the
 * final QEMU command line. ingot's own {@code memory-backend-file,mem-path=...} is fine: only the
 * {@code -mem-path} option is refused.
 */
public final class RamTemplateRules {
    private static final Pattern REQUESTED_SIZE = Pattern.compile("requested-size=([^,\\s]*)");

    /** One refused argument and why. */
    public record Violation(int index, String argument, String reason) {
        @Override public String toString() { return "'" + argument + "': " + reason; }
    }

    /** Every argument of {@code qemuArgs} that a RAM template cannot work with, each with a reason. */
    public List<Violation> check(List<String> qemuArgs) {
        List<Violation> found = new ArrayList<>();
        for (int i = 0; i < qemuArgs.size(); i++) {
            String arg = qemuArgs.get(i);
            String reason = reason(arg);
            if (reason != null) found.add(new Violation(i, arg, reason));
        }
        return found;
    }

    /** The same as {@link #check} as printable lines: {@code 'arg': reason}. */
    public List<String> violations(List<String> qemuArgs) {
        return check(qemuArgs).stream().map(Violation::toString).toList();
    }

    private static String reason(String arg) {
        String a = arg.toLowerCase(Locale.ROOT);
        if (a.contains("balloon")) {
            if (a.contains("free-page-reporting=on") || a.contains("free-page-hint=on")) {
                return "free page reporting/hinting lets QEMU discard guest pages, which punches holes in the "
                        + "RAM template's memory file";
            }
            return "virtio-balloon inflation cannot work with a RAM template: inflated pages are discarded from "
                    + "the memory file that every memory clone maps";
        }
        if (a.contains("virtio-mem")) {
            Matcher m = REQUESTED_SIZE.matcher(a);
            // QEMU's default requested-size is 0: no memory plugged, nothing outside the memory file
            if (m.find() && !m.group(1).matches("0+[kmgt]?b?")) {
                return "virtio-mem with plugged memory keeps guest RAM outside the template's memory file "
                        + "(use requested-size=0)";
            }
        }
        if (a.contains("vhost-user-fs") || a.contains("virtiofs")) {
            return "virtiofs keeps its state in the external virtiofsd process, which a RAM template cannot save";
        }
        if (a.contains("vhost-user")) {
            return "vhost-user devices keep their state in an external backend process, which a RAM template "
                    + "cannot save";
        }
        if (a.contains("vfio")) {
            return "VFIO passthrough devices cannot be saved or restored with a RAM template";
        }
        for (String word : a.split("\\s+")) {
            if (word.equals("-mem-path") || word.startsWith("-mem-path=") || word.equals("--mem-path")) {
                return "-mem-path replaces the memory backend ingot shares with the RAM template";
            }
        }
        if (a.contains("discard-data=on")) {
            return "discard-data=on throws the memory file's contents away when QEMU exits";
        }
        if (a.contains("postcopy")) {
            return "postcopy needs a running source VM; a RAM template is restored from files";
        }
        if (a.contains("x-release-ram")) {
            return "x-release-ram frees guest memory during migration, which would empty the RAM template";
        }
        return null;
    }
}
