package io.ingot.guest;

import io.ingot.util.UserError;

import java.util.Map;
import java.util.regex.Pattern;

/** POSIX sh quoting for commands sent to a guest (busybox ash, dash, bash alike). */
public final class Shell {
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private Shell() { }

    /** {@code it's} -> {@code 'it'\''s'}: safe for any byte sequence except NUL. */
    public static String quote(String value) {
        if (value.indexOf('\0') >= 0) throw new IllegalArgumentException("a shell argument cannot contain a NUL character");
        return "'" + value.replace("'", "'\\''") + "'";
    }

    /**
     * {@code export A='1'; export B='2'; } for the given variables, in their iteration order.
     * Exports instead of SSH env requests because dropbear (and OpenSSH without AcceptEnv) refuse those.
     */
    public static String exports(Map<String, String> env) {
        if (env == null || env.isEmpty()) return "";
        StringBuilder sb = new StringBuilder();
        env.forEach((k, v) -> {
            if (k == null || !NAME.matcher(k).matches()) {
                throw new UserError("environment variable name '" + k + "' is not valid (letters, digits and _ only, not starting with a digit)");
            }
            sb.append("export ").append(k).append('=').append(quote(v == null ? "" : v)).append("; ");
        });
        return sb.toString();
    }
}
