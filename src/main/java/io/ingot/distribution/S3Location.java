package io.ingot.distribution;

import io.ingot.template.TemplateRef;
import io.ingot.util.UserError;

/**
 * {@code s3://bucket[/prefix]}: where template versions are distributed. Layout under the prefix:
 * <pre>
 * NAME/VERSION/disk.qcow2       the base image, qcow2 compressed (metadata: sha256)
 * NAME/VERSION/ram/FILE         RAM template files, when the version has them (metadata: sha256); a sparse one
 *                               holds only its data extents (metadata: ingot-layout=extents) and
 * NAME/VERSION/ram/FILE.extents.json   where they go ({@link ExtentMap})
 * NAME/VERSION/manifest.json    written last: a version without it is incomplete (metadata: sha256)
 * NAME/channels/CHANNEL         the version number a channel points at
 * </pre>
 */
public record S3Location(String bucket, String prefix) {
    public S3Location {
        prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
    }

    public static S3Location parse(String url) {
        if (url == null || !url.startsWith("s3://")) throw new UserError("not an s3:// URL: '" + url + "' (use s3://BUCKET[/PREFIX])");
        String rest = url.substring("s3://".length());
        int slash = rest.indexOf('/');
        String bucket = slash < 0 ? rest : rest.substring(0, slash);
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) throw new UserError("bad S3 bucket name '" + bucket + "' in " + url);
        return new S3Location(bucket, slash < 0 ? "" : rest.substring(slash + 1));
    }

    /**
     * {@code s3://bucket[/prefix]/NAME[:VERSION|@CHANNEL]}: the last path segment is the template reference.
     */
    public record Source(S3Location location, TemplateRef ref) { }

    public static Source parseSource(String url) {
        S3Location all = parse(url);
        if (all.prefix().isEmpty()) throw new UserError("no template in " + url + " (use s3://BUCKET[/PREFIX]/NAME[:VERSION|@CHANNEL])");
        int slash = all.prefix().lastIndexOf('/');
        String ref = slash < 0 ? all.prefix() : all.prefix().substring(slash + 1);
        return new Source(new S3Location(all.bucket(), slash < 0 ? "" : all.prefix().substring(0, slash)), TemplateRef.parse(ref));
    }

    public String key(String... parts) {
        return (prefix.isEmpty() ? "" : prefix + "/") + String.join("/", parts);
    }

    public String versionKey(String name, int version, String file) { return key(name, Integer.toString(version), file); }

    public String channelKey(String name, String channel) { return key(name, "channels", channel); }

    @Override
    public String toString() { return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix); }
}
