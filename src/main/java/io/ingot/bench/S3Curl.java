package io.ingot.bench;

import io.ingot.distribution.S3Clients;
import io.ingot.util.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code curl} moving files to and from S3 as a user at a shell would without an S3 tool: one process for all files,
 * SigV4 signed by curl itself ({@code --aws-sigv4}), the same AWS_* variables {@code ingot s3} takes. The secret goes
 * to curl in a config file only its owner can read, never in the arguments another user's {@code ps} would show.
 */
public final class S3Curl {
    /** Payloads are not hashed by curl; S3 (and s3proxy) want the header that says so. */
    private static final String UNSIGNED = "x-amz-content-sha256: UNSIGNED-PAYLOAD";

    private final String user;
    private final String token;
    private final String region;
    private final String endpoint;

    private S3Curl(String user, String token, String region, String endpoint) {
        this.user = user;
        this.token = token;
        this.region = region;
        this.endpoint = endpoint;
    }

    /** From the environment; empty without static keys (a profile's keys are the SDK's to read). */
    public static Optional<S3Curl> fromEnvironment(Map<String, String> env) {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (id == null || secret == null || id.isBlank() || secret.isBlank()) return Optional.empty();
        S3Clients where = new S3Clients(env); // the region and endpoint ingot s3 uses
        String endpoint = where.endpoint();
        return Optional.of(new S3Curl(id + ":" + secret, env.get("AWS_SESSION_TOKEN"), where.region(),
                endpoint == null ? null : endpoint.replaceAll("/+$", "")));
    }

    /** An object's URL: path-style under an endpoint (as {@code ingot s3} addresses one), else AWS's virtual host. */
    String url(String bucket, String key) {
        return endpoint != null ? endpoint + "/" + bucket + "/" + key : "https://" + bucket + ".s3." + region + ".amazonaws.com/" + key;
    }

    /** Uploads each file to its key in {@code bucket}, in one curl. */
    void put(String bucket, Map<Path, String> uploads, Path work) throws IOException {
        List<String> transfers = new ArrayList<>();
        uploads.forEach((file, key) -> transfers.addAll(List.of("-T", file.toString(), url(bucket, key))));
        run(transfers, work);
    }

    /** Downloads each key of {@code bucket} to its file, in one curl. */
    void get(String bucket, Map<String, Path> downloads, Path work) throws IOException {
        List<String> transfers = new ArrayList<>();
        downloads.forEach((key, file) -> transfers.addAll(List.of("-o", file.toString(), url(bucket, key))));
        run(transfers, work);
    }

    List<String> argv(Path config, List<String> transfers) {
        List<String> argv = new ArrayList<>(List.of("curl", "-sS", "--fail", "-K", config.toString(),
                "--aws-sigv4", "aws:amz:" + region + ":s3", "-H", UNSIGNED));
        argv.addAll(transfers);
        return argv;
    }

    /** curl's config: the credentials (and a session token's header), which must not be in the arguments. */
    String config() {
        String c = "user = " + quoted(user) + "\n";
        if (token != null && !token.isBlank()) c += "header = " + quoted("x-amz-security-token: " + token) + "\n";
        return c;
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private void run(List<String> transfers, Path work) throws IOException {
        Path config = work.resolve("curl-s3.conf");
        Files.deleteIfExists(config);
        Files.createFile(config, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(config, config());
            Command.run(argv(config, transfers), Duration.ofMinutes(30));
        } finally {
            Files.deleteIfExists(config);
        }
    }
}
