package io.ingot.target.libvirt;

import io.ingot.util.Command;
import io.ingot.util.UserError;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * libvirt through its own client, {@code virsh -c URI}: ingot never writes libvirt's files. Each call is bounded
 * (an unreachable remote host must not hang a push); libvirt's errors become one line.
 */
final class Virsh {
    private static final Duration CALL = Duration.ofSeconds(60);
    /** Uploads of whole disks take as long as the disk is large. */
    private static final Duration UPLOAD = Duration.ofHours(2);

    private final String uri;

    Virsh(String uri) { this.uri = uri; }

    String uri() { return uri; }

    Command.Result exec(String... args) {
        return exec(CALL, args);
    }

    Command.Result exec(Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
        argv.addAll(List.of(args));
        try {
            return Command.exec(argv, timeout);
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage());
            if (why.startsWith("cannot run")) throw new UserError(why + "; install it: apt-get install libvirt-clients");
            throw new UserError("libvirt at " + uri + ": " + why);
        }
    }

    /** Runs a call that must succeed; a failure is a UserError "WHAT: libvirt's message". */
    String run(String what, String... args) {
        return run(CALL, what, args);
    }

    String run(Duration timeout, String what, String... args) {
        Command.Result r = exec(timeout, args);
        if (!r.ok()) throw new UserError(printable(what) + ": " + oneLine(r));
        return r.stdout();
    }

    /** A text with its control characters escaped (a name with a line break stays on its line in a message). */
    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\n') b.append("\\n");
            else if (Character.isISOControl(c)) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    String upload(String what, String... args) {
        return run(UPLOAD, what, args);
    }

    /** libvirt's error lines without virsh's "error: " prefixes, on one line. */
    static String oneLine(Command.Result r) {
        String text = (r.stderr().isBlank() ? r.stdout() : r.stderr()).strip();
        List<String> parts = new ArrayList<>();
        for (String l : text.split("\\R")) {
            String s = l.strip().replaceFirst("^error:\\s*", "");
            // virsh's "Failed to define domain from FILE" names a scratch file that is gone by then: libvirt's reason follows
            if (!s.isEmpty() && !parts.contains(s) && !s.matches("Failed to \\w+ \\w+ from /.*")) parts.add(s);
        }
        return parts.isEmpty() ? "virsh exited with " + r.exitCode() : printable(String.join("; ", parts));
    }
}
