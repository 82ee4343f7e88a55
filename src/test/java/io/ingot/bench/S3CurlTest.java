package io.ingot.bench;

import io.ingot.it.LocalS3;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The S3 transfer benchmark's curl baseline, against a real S3-compatible server (s3proxy on loopback). */
class S3CurlTest {
    private static final String BUCKET = "bench";
    @RegisterExtension
    static final LocalS3 S3 = LocalS3.forClass("curl-test-access", "curl-test-secret", BUCKET);
    @TempDir Path tmp;

    @Test
    void curlUploadsAndDownloadsTheSameBytesTheSdkSees() throws Exception {
        S3Curl curl = S3Curl.fromEnvironment(S3.env()).orElseThrow();
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        Path a = Files.write(tmp.resolve("a.bin"), big);
        Path b = Files.writeString(tmp.resolve("b.json"), "{\"x\": 1}\n");
        Map<Path, String> up = new LinkedHashMap<>();
        up.put(a, "run/curl/disk.qcow2");
        up.put(b, "run/curl/ram/state");
        curl.put(BUCKET, up, tmp);
        try (S3Client s3 = S3.clients().create()) {
            assertArrayEquals(big, s3.getObjectAsBytes(r -> r.bucket(BUCKET).key("run/curl/disk.qcow2")).asByteArray());
            s3.putObject(r -> r.bucket(BUCKET).key("run/sdk/manifest.json"), RequestBody.fromString("manifest"));
        }
        Map<String, Path> down = new LinkedHashMap<>();
        down.put("run/curl/disk.qcow2", tmp.resolve("got-disk"));
        down.put("run/sdk/manifest.json", tmp.resolve("got-manifest"));
        curl.get(BUCKET, down, tmp);
        assertArrayEquals(big, Files.readAllBytes(tmp.resolve("got-disk")));
        assertEquals("manifest", Files.readString(tmp.resolve("got-manifest")));
        assertFalse(Files.exists(tmp.resolve("curl-s3.conf")), "the file with the secret is gone after the run");
    }

    @Test
    void theSecretGoesToCurlInItsConfigNotInTheArguments() {
        Map<String, String> env = new LinkedHashMap<>(S3.env());
        env.put("AWS_SESSION_TOKEN", "tok\"en");
        S3Curl curl = S3Curl.fromEnvironment(env).orElseThrow();
        String argv = String.join(" ", curl.argv(tmp.resolve("c.conf"), java.util.List.of("-o", "f", "u")));
        assertFalse(argv.contains("curl-test-secret") || argv.contains("tok"), argv);
        assertTrue(curl.config().contains("user = \"curl-test-access:curl-test-secret\""), curl.config());
        assertTrue(curl.config().contains("header = \"x-amz-security-token: tok\\\"en\""), curl.config());
    }

    @Test
    void pathStyleUnderAnEndpointElseAwssVirtualHost() {
        assertEquals("http://127.0.0.1:9000/b/p/k", S3Curl.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "i", "AWS_SECRET_ACCESS_KEY", "s",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:9000/")).orElseThrow().url("b", "p/k"));
        assertEquals("https://b.s3.eu-west-1.amazonaws.com/p/k", S3Curl.fromEnvironment(Map.of("AWS_ACCESS_KEY_ID", "i",
                "AWS_SECRET_ACCESS_KEY", "s", "AWS_REGION", "eu-west-1")).orElseThrow().url("b", "p/k"));
        assertTrue(S3Curl.fromEnvironment(Map.of("AWS_PROFILE", "x")).isEmpty(), "a profile's keys are left to the SDK");
    }
}
