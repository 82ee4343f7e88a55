package io.ingot.recipe;

import io.ingot.util.Durations;
import io.ingot.util.Sizes;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The rules the records cannot express for one text value (allowed values, formats, ranges), keyed by
 * the field's schema path; list elements share their list's path. A rule gives a message, or null.
 */
final class FieldRules {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    static final Pattern WHOLE_NUMBER = Pattern.compile("[-+]?\\d+");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]*");
    static final Set<String> URL_SCHEMES = Set.of("http", "https", "file");
    private static final List<String> BUILTIN_MEDIA = List.of("tinyinstall", "debianinstall");
    static final List<String> SOURCE_KINDS = List.of("iso", "kernel", "initrd", "disk");
    /** Labels a recipe may require of the worker that builds it ({@code build.requires}). */
    private static final Pattern LABEL = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** NAME, NAME:VERSION or NAME@CHANNEL, as TemplateRef parses them. */
    private static final Pattern TEMPLATE_REF = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(:[1-9]\\d{0,8}|@[a-z0-9][a-z0-9._-]{0,63})?");
    /** Below this no kernel boots an installer (the accelerator probe's tiny guest already gets 128M). */
    static final long MIN_MEMORY = 64L << 20;
    static final long MAX_MEMORY = 16L << 40;
    /** qemu-img refuses a qcow2 image somewhat above this; a template disk this large is a typo. */
    static final long MAX_DISK = 64L << 40;

    private final Map<String, Function<String, String>> rules;

    FieldRules() {
        Map<String, Function<String, String>> r = new HashMap<>();
        oneOf(r, "machine.accel", "auto", "kvm", "tcg");
        r.put("machine.type", v -> v.equals("pc") || v.equals("q35") || v.matches("pc-(i440fx|q35)-\\d+\\.\\d+") ? null
                : "must be pc or q35 (or a versioned pc-i440fx-X.Y / pc-q35-X.Y), got '" + v + "'" + near(v, List.of("pc", "q35")));
        oneOf(r, "machine.firmware", "bios", "uefi");
        oneOf(r, "machine.disk.format", "qcow2", "raw");
        oneOf(r, "machine.disk.interface", "virtio", "ide", "scsi", "nvme");
        oneOf(r, "communicator.type", "ssh", "none");
        oneOf(r, "provisioners.type", "shell", "file", "reboot");
        oneOf(r, "provisioners.retryOn", Recipe.Provisioner.FAILURES.toArray(String[]::new));
        oneOf(r, "template.format", "qcow2", "raw");
        oneOf(r, "schedule.when", "changed", "always");
        oneOf(r, "seal.operations", SealOperation.defaults().toArray(String[]::new));
        for (String p : List.of("boot.wait", "boot.keyInterval", "boot.timeout", "boot.stallTimeout", "communicator.timeout",
                "provisioners.timeout", "shutdown.timeout", "verify.timeout")) {
            r.put(p, FieldRules::duration);
        }
        r.put("machine.memory", v -> size(v, MIN_MEMORY, MAX_MEMORY, "the guest's RAM"));
        r.put("machine.disk.size", v -> size(v, 1, MAX_DISK, "the installation disk"));
        r.put("machine.cpus", v -> range(v, 1, 1024));
        r.put("communicator.port", v -> range(v, 1, 65535));
        r.put("provisioners.retries", v -> range(v, 0, 100));
        for (String kind : SOURCE_KINDS) {
            r.put("media." + kind + ".checksum", FieldRules::checksum);
            r.put("media." + kind + ".builtin", v -> BUILTIN_MEDIA.contains(v) ? null
                    : "unknown builtin media '" + v + "' (ingot builds: " + String.join(", ", BUILTIN_MEDIA) + ")");
        }
        oneOf(r, "media.disk.format", "qcow2", "raw");
        r.put("from", v -> TEMPLATE_REF.matcher(v).matches() && !v.contains("..") ? null
                : "expected a published template as NAME, NAME:VERSION or NAME@CHANNEL (e.g. debian-12-minimal@stable), got '" + v + "'");
        r.put("build.requires", v -> LABEL.matcher(v).matches() ? null
                : "'" + v + "' is not a worker label (lower-case letters, digits, '.', '-', '_'; e.g. kvm, x86_64)");
        r.put("media.iso.suite", v -> v.matches("[a-z][a-z0-9-]*") ? null : "'" + v + "' is not a Debian suite name (bookworm, trixie ...)");
        r.put("media.iso.mirror", v -> v.matches("https?://[^\\s]+") ? null : "expected an http or https URL of a Debian archive, got '" + v + "'");
        r.put("media.iso.packages", v -> v.matches("[a-z0-9][a-z0-9+.-]+") ? null : "'" + v + "' is not a Debian package name");
        r.put("boot.command", v -> {
            try {
                BootCommand.parse(v);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        r.put("schedule.cron", v -> {
            try {
                Cron.parse(v).toQuartz();
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        });
        r.put("name", v -> NAME.matcher(v).matches() ? null
                : "'" + v + "' is not a template name: use lower-case letters, digits, '.', '-' and '_', starting with a letter or digit");
        r.put("publish.channel", v -> NAME.matcher(v).matches() ? null
                : "'" + v + "' is not a channel name: use lower-case letters, digits, '.', '-' and '_'");
        r.put("publish.storage", v -> NAME.matcher(v).matches() ? null : "'" + v + "' is not a storage name");
        rules = Map.copyOf(r);
    }

    /** The rule for a schema path, or null when the field has none here. */
    Function<String, String> rule(String schema) {
        return rules.get(schema);
    }

    private static void oneOf(Map<String, Function<String, String>> rules, String path, String... allowed) {
        List<String> values = Arrays.asList(allowed);
        rules.put(path, v -> values.contains(v) ? null
                : "must be one of " + String.join(", ", values) + ", got '" + v + "'" + near(v, values));
    }

    private static String near(String v, List<String> values) {
        String n = Suggest.nearest(v, values);
        return n == null ? "" : " (did you mean '" + n + "'?)";
    }

    private static String range(String v, int min, int max) {
        String digits = v.trim().replace("+", "");
        if (!WHOLE_NUMBER.matcher(digits).matches()) return "expected a whole number, got '" + v + "'";
        String out = "must be between " + min + " and " + max + ", got ";
        // too many digits for a long is out of range: parsed as a BigInteger, a megabyte of digits costs seconds
        if (digits.replaceFirst("^-?0*", "").length() > 18) return out + Problem.quote(digits);
        long n = Long.parseLong(digits);
        return n < min || n > max ? out + n : null;
    }

    private static String duration(String v) {
        if (!Durations.isValid(v)) return "expected a duration such as 500ms, 30s, 5m or 1h30m, got '" + v + "'";
        try {
            Durations.parse(v);
            return null;
        } catch (IllegalArgumentException e) {
            return "'" + v + "' is " + e.getMessage();
        }
    }

    /**
     * A size between {@code min} and {@code max} bytes. A plain number is bytes, so {@code memory: 512} is
     * 512 bytes: below 64 Ki that is surely meant as MiB, and the message says so.
     */
    private static String size(String v, long min, long max, String what) {
        if (!Sizes.isValid(v)) return "expected a size such as 512M or 20G, got '" + v + "'";
        long bytes;
        try {
            bytes = Sizes.parseBytes(v);
        } catch (IllegalArgumentException e) {
            return "'" + v + "' is " + e.getMessage() + "; at most " + Sizes.format(max);
        }
        if (bytes == 0) return "must be more than 0";
        if (bytes < min) {
            boolean plain = Sizes.isPlainNumber(v);
            String meant = plain && bytes < 64 * 1024 ? " (did you mean " + v.trim() + "M?)" : "";
            return "'" + v + "' is " + (plain ? bytes + " bytes, " : "") + "too little for " + what + " to boot; at least "
                    + Sizes.format(min) + meant;
        }
        if (bytes > max) return "'" + v + "' is more than " + Sizes.format(max) + ", the most ingot gives " + what;
        return null;
    }

    /** {@code sha256:<64 hex>}, {@code sha512:<128 hex>} or {@code file:<url of a SHA256SUMS/SHA512SUMS file>}. */
    private static String checksum(String v) {
        int colon = v.indexOf(':');
        String kind = colon < 0 ? "" : v.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = colon < 0 ? v : v.substring(colon + 1);
        return switch (kind) {
            case "sha256" -> hex(rest, 64, "sha256");
            case "sha512" -> hex(rest, 128, "sha512");
            case "file" -> {
                try {
                    URI uri = new URI(rest);
                    yield uri.getScheme() != null && URL_SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT)) ? null
                            : "file: needs the http, https or file URL of a SHA256SUMS or SHA512SUMS file, got '" + rest + "'";
                } catch (URISyntaxException e) {
                    yield "file: needs a URL: " + e.getMessage();
                }
            }
            default -> "expected sha256:<64 hex digits>, sha512:<128 hex digits> or file:<url of SHA256SUMS>, got '" + v + "'";
        };
    }

    private static String hex(String digits, int length, String algorithm) {
        if (!HEX.matcher(digits).matches()) return algorithm + " needs hex digits (0-9, a-f), got '" + digits + "'";
        return digits.length() == length ? null : algorithm + " needs " + length + " hex digits, got " + digits.length();
    }
}
