package io.ingot.target.oci;

import io.ingot.util.UserError;

import java.util.regex.Pattern;

/**
 * An image in an OCI registry as ingot spells it: {@code oci://REGISTRY/REPO[:TAG|@sha256:DIGEST]} (HTTPS), or
 * {@code oci+http://...} for plain HTTP, which only a loopback registry gets (127.0.0.0/8, {@code [::1]},
 * {@code localhost}): a push or pull in clear text is never sent over a network. Names are checked against the OCI
 * distribution spec's grammar before the registry is contacted.
 *
 * @param tag    the tag, or null
 * @param digest {@code sha256:...}, or null
 */
public record OciReference(boolean plainHttp, String registry, String repository, String tag, String digest) {
    /** The distribution spec's {@code <name>}: path components of lower-case alphanumerics joined by {@code . _ __ -+}. */
    static final Pattern REPOSITORY = Pattern.compile("[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*)*");
    /** The distribution spec's {@code <reference>} as a tag. */
    static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern HOST = Pattern.compile(
            "([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+])(:[0-9]{1,5})?");
    private static final Pattern LOOPBACK = Pattern.compile("(localhost|127(\\.[0-9]{1,3}){3}|\\[::1])(:[0-9]{1,5})?");
    /** What many registries hold a repository's full name (host and path) to. */
    static final int MAX_NAME = 255;

    /** Whether {@code text} is one of ours (the pull command picks its source by this). */
    public static boolean isOci(String text) {
        return text != null && (text.startsWith("oci://") || text.startsWith("oci+http://"));
    }

    /** Reads {@code oci://REGISTRY/REPO[:TAG|@DIGEST]}; {@code text} is what the user wrote, for messages. */
    public static OciReference parse(String text) {
        String example = "oci://REGISTRY/REPO:TAG, e.g. oci://registry.example:5000/templates/web:3";
        if (!isOci(text)) throw new UserError("'" + text + "' is not an OCI reference: expected " + example);
        boolean plain = text.startsWith("oci+http://");
        return parse(plain, text.substring(plain ? "oci+http://".length() : "oci://".length()), text);
    }

    /** The part after {@code oci://}. */
    static OciReference parse(boolean plain, String rest, String text) {
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) {
            throw new UserError("'" + text + "': expected oci://REGISTRY/REPO[:TAG|@sha256:DIGEST] (a registry host and a repository)");
        }
        String registry = rest.substring(0, slash);
        if (!HOST.matcher(registry).matches()) throw new UserError("'" + text + "': '" + registry + "' is not a registry host[:port]");
        if (plain && !LOOPBACK.matcher(registry).matches()) {
            throw new UserError("'" + text + "': plain HTTP (oci+http://) is for a registry on this host's loopback only"
                    + " (127.0.0.1, [::1], localhost); use oci:// (HTTPS) for " + registry);
        }
        String path = rest.substring(slash + 1);
        String digest = null;
        String tag = null;
        int at = path.indexOf('@');
        if (at >= 0) {
            digest = path.substring(at + 1);
            path = path.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) throw new UserError("'" + text + "': digest '" + digest + "' is not sha256: and 64 hex digits");
        } else {
            int colon = path.lastIndexOf(':');
            if (colon >= 0 && path.indexOf('/', colon) < 0) {
                tag = path.substring(colon + 1);
                path = path.substring(0, colon);
                checkTag(tag, text);
            }
        }
        if (!REPOSITORY.matcher(path).matches()) {
            throw new UserError("'" + text + "': repository '" + path + "' is not a name the OCI distribution spec allows"
                    + " (lower-case letters and digits, separated by '.', '_', '__', '-' or '/')");
        }
        if (registry.length() + 1 + path.length() > MAX_NAME) {
            throw new UserError("'" + text + "': REGISTRY/REPO is longer than " + MAX_NAME + " characters");
        }
        return new OciReference(plain, registry, path, tag, digest);
    }

    static void checkTag(String tag, String text) {
        if (!TAG.matcher(tag).matches()) {
            throw new UserError("'" + text + "': tag '" + tag + "' is not one the OCI distribution spec allows"
                    + " (letters, digits, '_', '.', '-', not starting with '.' or '-', at most 128)");
        }
    }

    /** This image under another tag (checked). */
    public OciReference withTag(String newTag) {
        checkTag(newTag, newTag);
        return new OciReference(plainHttp, registry, repository, newTag, null);
    }

    /** The registry's base URL, {@code https://host:port}. */
    public String baseUrl() { return (plainHttp ? "http://" : "https://") + registry; }

    /** Without tag or digest, as ingot writes it: {@code oci://REGISTRY/REPO}. */
    public String location() { return (plainHttp ? "oci+http://" : "oci://") + registry + "/" + repository; }

    /** The tag or digest a manifest is asked for by. */
    public String reference() { return digest != null ? digest : tag; }

    /** {@code REGISTRY/REPO@DIGEST}: what pins one image. */
    public String pinned(String manifestDigest) { return registry + "/" + repository + "@" + manifestDigest; }

    @Override public String toString() { return location() + (digest != null ? "@" + digest : tag != null ? ":" + tag : ""); }
}
