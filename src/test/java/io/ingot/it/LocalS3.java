package io.ingot.it;

import io.ingot.distribution.S3Clients;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server for tests: s3proxy, in-process, on loopback, over an in-memory (transient) blob store,
 * taking AWS V2 or V4 signatures with one access key. Either started for a test class, as a static
 * {@code @RegisterExtension} field made by {@link #forClass} (started before the class's tests, its buckets made,
 * stopped after them), or started at once by {@link #start} and stopped by {@link #close}.
 */
public final class LocalS3 implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    private final String keyId;
    private final String secret;
    private final List<String> buckets;
    private BlobStoreContext blobs;
    private S3Proxy proxy;

    private LocalS3(String keyId, String secret, List<String> buckets) {
        this.keyId = keyId;
        this.secret = secret;
        this.buckets = List.copyOf(buckets);
    }

    /** Not started yet: for a static {@code @RegisterExtension} field; the buckets are made when it starts. */
    public static LocalS3 forClass(String keyId, String secret, String... buckets) {
        return new LocalS3(keyId, secret, List.of(buckets));
    }

    /** Started now, with no bucket; {@link #close} stops it. */
    public static LocalS3 start(String keyId, String secret) throws Exception {
        LocalS3 s3 = new LocalS3(keyId, secret, List.of());
        s3.begin();
        return s3;
    }

    private void begin() throws Exception {
        try {
            blobs = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
            proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, keyId, secret).build();
            proxy.start();
            for (int i = 0; i < 100 && !"STARTED".equals(proxy.getState()); i++) Thread.sleep(50);
            for (String b : buckets) bucket(b);
        } catch (Exception | Error e) {
            try {
                close();
            } catch (Exception closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        if (proxy == null) throw new IllegalStateException("LocalS3 is not started");
        return proxy.getPort();
    }

    /** The AWS environment variables that point the AWS SDK (and ingot) at it, with its access key. */
    public Map<String, String> env() {
        return Map.of("AWS_ACCESS_KEY_ID", keyId, "AWS_SECRET_ACCESS_KEY", secret, "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL", "http://127.0.0.1:" + port());
    }

    /** ingot's S3 clients for it, as ingot makes them from {@link #env}. */
    public S3Clients clients() {
        return new S3Clients(env());
    }

    /** Makes the bucket {@code name}. */
    public LocalS3 bucket(String name) {
        try (S3Client s3 = clients().create()) {
            s3.createBucket(b -> b.bucket(name));
        }
        return this;
    }

    @Override
    public void close() throws Exception {
        try {
            if (proxy != null) proxy.stop();
        } finally {
            proxy = null;
            if (blobs != null) blobs.close();
            blobs = null;
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        begin();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }
}
