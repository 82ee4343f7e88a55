package io.ingot.target.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.LimitedRead;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The OCI distribution API v2 of one repository, over the JDK's HTTP client: blobs checked with HEAD and uploaded
 * whole (POST for an upload session, one PUT with the digest), manifests put and got by tag or digest. A registry
 * that cannot be reached or answers 4xx/5xx is a one-line {@link UserError}. Anonymous access only.
 */
final class RegistryClient {
    private static final Duration SHORT = Duration.ofSeconds(60);
    private final OciReference ref;
    private final HttpClient http;

    RegistryClient(OciReference ref) {
        this.ref = ref;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    /** {@code GET /v2/}: the registry answers and speaks API v2 without credentials. */
    void ping() throws IOException {
        HttpResponse<InputStream> r = send(get("/v2/").build(), "reach the API (GET /v2/)");
        expect(r, 200, "open the API (GET /v2/)");
    }

    boolean hasBlob(String digest) throws IOException {
        HttpResponse<InputStream> r = send(request("/v2/" + ref.repository() + "/blobs/" + digest)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(SHORT).build(), "check blob " + digest);
        r.body().close();
        if (r.statusCode() == 404) return false;
        expect(r, 200, "check blob " + digest);
        return true;
    }

    /** A monolithic upload: an upload session, then the whole blob in one PUT; a failed one cancels its session. */
    void upload(String digest, long size, Opener body) throws IOException {
        HttpResponse<InputStream> start = send(request("/v2/" + ref.repository() + "/blobs/uploads/")
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(SHORT).build(), "start an upload");
        expect(start, 202, "start an upload of " + digest);
        String location = start.headers().firstValue("Location")
                .orElseThrow(() -> new UserError("registry " + ref.registry() + " started an upload without a Location"));
        URI session = URI.create(ref.baseUrl() + "/").resolve(location);
        URI put = URI.create(session + (session.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
        boolean done = false;
        try {
            HttpRequest.BodyPublisher publisher = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
                try {
                    return body.open();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }), size);
            HttpResponse<InputStream> r = send(HttpRequest.newBuilder(put).header("Content-Type", "application/octet-stream")
                    .PUT(publisher).build(), "upload blob " + digest);
            expect(r, 201, "blob " + digest);
            done = true;
        } finally {
            if (!done) cancel(session);
        }
    }

    /** Puts the manifest under {@code reference} (a tag); returns its digest as the registry says it. */
    void putManifest(String reference, byte[] manifest) throws IOException {
        HttpResponse<InputStream> r = send(request("/v2/" + ref.repository() + "/manifests/" + reference)
                .header("Content-Type", ImageLayout.MANIFEST_TYPE).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                .timeout(SHORT).build(), "put the manifest");
        expect(r, 201, "the manifest " + ref.repository() + ":" + reference);
    }

    /** The manifest under a tag or digest, no larger than {@link LimitedRead#JSON_ANSWER}. */
    byte[] manifest(String reference) throws IOException {
        HttpResponse<InputStream> r = send(get("/v2/" + ref.repository() + "/manifests/" + reference)
                .header("Accept", ImageLayout.MANIFEST_TYPE).build(), "get the manifest");
        if (r.statusCode() == 404) {
            r.body().close();
            throw new UserError("registry " + ref.registry() + " has no image " + ref.repository() + (reference.startsWith("sha256:") ? "@" : ":") + reference);
        }
        expect(r, 200, "the manifest " + ref.repository() + ":" + reference);
        return LimitedRead.read(r.body(), LimitedRead.JSON_ANSWER, ref + " (manifest)", "an image manifest is never that large");
    }

    /** A blob's bytes as they come (the caller checks them against the digest). */
    InputStream blob(String digest) throws IOException {
        HttpResponse<InputStream> r = send(get("/v2/" + ref.repository() + "/blobs/" + digest).build(), "get blob " + digest);
        expect(r, 200, "blob " + digest);
        return r.body();
    }

    /** How an upload reads its bytes again (HttpClient may open it more than once, e.g. after a redirect). */
    interface Opener {
        InputStream open() throws IOException;
    }

    private void cancel(URI session) {
        try {
            send(HttpRequest.newBuilder(session).DELETE().timeout(SHORT).build(), "cancel an upload").body().close();
        } catch (IOException | RuntimeException e) {
            // the registry drops an unfinished upload session by itself in time
        }
    }

    private HttpRequest.Builder get(String path) { return request(path).GET().timeout(SHORT); }

    private HttpRequest.Builder request(String path) { return HttpRequest.newBuilder(URI.create(ref.baseUrl() + path)); }

    private HttpResponse<InputStream> send(HttpRequest req, String what) throws IOException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new UserError("cannot reach registry " + ref.registry() + " at " + ref.baseUrl() + " to " + what + ": "
                    + why(e));
        } catch (javax.net.ssl.SSLException e) {
            throw new UserError("registry " + ref.registry() + ": TLS failed (" + e.getMessage() + "); oci:// is HTTPS checked against the JDK's"
                    + " trust store, oci+http:// plain HTTP on loopback");
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } catch (IllegalArgumentException e) {
            throw new UserError("cannot reach registry " + ref.registry() + " to " + what + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The JDK's ConnectException has no message of its own: the first cause that says something. */
    private static String why(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.nio.channels.UnresolvedAddressException) return "unknown host";
            if (t.getMessage() != null && !t.getMessage().isBlank()) return t.getMessage();
        }
        return "no connection (refused, or nothing listens there)";
    }

    /** A status other than {@code want}: the registry's first error (code and message) in one line. */
    private void expect(HttpResponse<InputStream> r, int want, String what) throws IOException {
        if (r.statusCode() == want) return;
        byte[] body;
        try {
            body = r.body().readNBytes(64 << 10);
        } finally {
            r.body().close();
        }
        String detail = Optional.of(body).filter(b -> b.length > 0).map(RegistryClient::firstError).orElse("");
        String auth = r.statusCode() == 401 ? " (it asks for credentials; ingot talks to registries open to anonymous access)" : "";
        throw new UserError("registry " + ref.registry() + " refused " + what + ": HTTP " + r.statusCode() + (detail.isEmpty() ? "" : " " + detail) + auth);
    }

    private static String firstError(byte[] body) {
        try {
            JsonNode e = Json.MAPPER.readTree(body).path("errors").path(0);
            if (e.isMissingNode()) return "";
            return (e.path("code").asText("") + ": " + e.path("message").asText("")).replaceAll("\\s+", " ").strip();
        } catch (IOException | RuntimeException ex) {
            return "";
        }
    }
}
