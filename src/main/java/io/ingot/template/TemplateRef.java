package io.ingot.template;

import io.ingot.util.UserError;

import java.util.regex.Pattern;

/**
 * How a user names a template: {@code NAME} (the {@code latest} channel, else the highest
 * version), {@code NAME:VERSION} or {@code NAME@CHANNEL}.
 */
public record TemplateRef(String name, Integer version, String channel) {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");

    public TemplateRef {
        checkName(name, "template name");
        if (version != null && version < 1) throw new UserError("template version must be >= 1: " + name + ":" + version);
        if (channel != null) checkName(channel, "channel name");
        if (version != null && channel != null) throw new UserError("give a version or a channel, not both: " + name);
    }

    public static TemplateRef parse(String text) {
        if (text == null || text.isBlank()) throw new UserError("empty template reference (use NAME, NAME:VERSION or NAME@CHANNEL)");
        String t = text.trim();
        int colon = t.indexOf(':');
        int at = t.indexOf('@');
        if (colon >= 0 && at >= 0) throw new UserError("bad template reference '" + text + "': use NAME:VERSION or NAME@CHANNEL, not both");
        if (colon >= 0) {
            String v = t.substring(colon + 1);
            if (!v.matches("\\d{1,9}")) throw new UserError("bad template reference '" + text + "': version must be a number");
            return new TemplateRef(t.substring(0, colon), Integer.parseInt(v), null);
        }
        if (at >= 0) return new TemplateRef(t.substring(0, at), null, t.substring(at + 1));
        return new TemplateRef(t, null, null);
    }

    public static TemplateRef of(String name, int version) { return new TemplateRef(name, version, null); }

    /** Checks a template, channel or clone name: lowercase letters, digits, '-', '_', '.'; no '/', no '..'. */
    /**
     * A file of a template version, relative to its directory: a name, or one folder and a name
     * ({@code ram/memory}), each part a valid name; never absolute, never {@code ..}.
     */
    public static String checkVersionFile(String value) {
        String[] parts = value == null ? new String[0] : value.split("/", -1);
        if (parts.length < 1 || parts.length > 2) throw new UserError("not a template file name: '" + value + "'");
        for (String part : parts) checkName(part, "file name");
        return value;
    }

    public static String checkName(String value, String what) {
        if (value == null || value.isEmpty()) throw new UserError("empty " + what);
        if (value.length() > 64) throw new UserError(what + " too long (max 64): '" + value + "'");
        if (value.contains("..") || !NAME.matcher(value).matches())
            throw new UserError("bad " + what + " '" + value + "': use lowercase letters, digits, '-', '_', '.', starting with a letter or digit, no '..'");
        return value;
    }

    public boolean isExactVersion() { return version != null; }

    @Override
    public String toString() {
        if (version != null) return name + ":" + version;
        if (channel != null) return name + "@" + channel;
        return name;
    }
}
