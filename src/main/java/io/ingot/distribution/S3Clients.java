package io.ingot.distribution;

import io.ingot.util.UserError;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;

import java.net.URI;
import java.util.Map;

/**
 * An S3 client configured the usual AWS way: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN),
 * else AWS_PROFILE or the default profile in ~/.aws/credentials; AWS_REGION (default us-east-1);
 * AWS_ENDPOINT_URL for S3-compatible servers (radosgw, MinIO, s3proxy), then with path-style access.
 * Credentials are never logged.
 */
public final class S3Clients {
    private final Map<String, String> env;

    public S3Clients(Map<String, String> env) { this.env = Map.copyOf(env); }

    public static S3Clients fromEnvironment() { return new S3Clients(System.getenv()); }

    /** AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. */
    public String region() {
        return env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"));
    }

    /** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, stripped; null when neither is set (AWS itself). */
    public String endpoint() {
        String endpoint = env.get("AWS_ENDPOINT_URL_S3") != null ? env.get("AWS_ENDPOINT_URL_S3") : env.get("AWS_ENDPOINT_URL");
        return endpoint == null || endpoint.isBlank() ? null : endpoint.strip();
    }

    public S3Client create() {
        var b = S3Client.builder()
                .region(Region.of(region()))
                .credentialsProvider(credentials())
                // S3-compatible servers do not all know the newer default checksums; ingot checks sha256 itself
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .overrideConfiguration(c -> c.addExecutionInterceptor(new S3AnswerCap()));
        String endpoint = endpoint();
        if (endpoint != null) {
            URI uri;
            try {
                uri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new UserError("AWS_ENDPOINT_URL is not a URL: " + e.getMessage());
            }
            if (uri.getScheme() == null || uri.getHost() == null) throw new UserError("AWS_ENDPOINT_URL needs a scheme and host, e.g. http://127.0.0.1:7480");
            b.endpointOverride(uri).serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build());
        }
        return b.build();
    }

    private AwsCredentialsProvider credentials() {
        String id = env.get("AWS_ACCESS_KEY_ID");
        String secret = env.get("AWS_SECRET_ACCESS_KEY");
        if (id != null && secret != null) {
            String token = env.get("AWS_SESSION_TOKEN");
            return StaticCredentialsProvider.create(token == null ? AwsBasicCredentials.create(id, secret)
                    : AwsSessionCredentials.create(id, secret, token));
        }
        if (env.get("AWS_PROFILE") != null) return ProfileCredentialsProvider.create(env.get("AWS_PROFILE"));
        return DefaultCredentialsProvider.builder().build();
    }
}
