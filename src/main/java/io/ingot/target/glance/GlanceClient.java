package io.ingot.target.glance;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few calls of Glance's v2 image API a push makes, over the JDK's HTTP client. A Keystone token, where given,
 * goes in X-Auth-Token (never logged); a Glance without Keystone takes none. Glance's refusals become one line
 * naming the step and Glance's own reason.
 */
final class GlanceClient {
    private final URI endpoint;
    private final String token;
    private final HttpClient http;

    GlanceClient(URI endpoint, String token) {
        this.endpoint = endpoint;
        this.token = token == null || token.isBlank() ? null : token.strip();
        // HTTP/1.1: Glance's eventlet server speaks no HTTP/2, and an upgrade offer with a body is wasted
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    URI endpoint() { return endpoint; }

    /** POST /v2/images: a queued image with these attributes and properties; its id. */
    String create(Map<String, Object> attributes) throws IOException {
        JsonNode image = json(send("the new image", request("/v2/images").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(attributes))), 201));
        String id = image.path("id").asText(null);
        if (id == null) throw new IOException("Glance at " + endpoint + " answered a create without an image id");
        return id;
    }

    /** PUT /v2/images/ID/file: the image data. */
    void upload(String id, Path file) throws IOException {
        send("the image's data", request("/v2/images/" + id + "/file").header("Content-Type", "application/octet-stream")
                .timeout(Duration.ofHours(6)).PUT(HttpRequest.BodyPublishers.ofFile(file)), 204);
    }

    /**
     * PATCH /v2/images/ID adding a location (Glance needs {@code show_multiple_locations = True} and a store for its
     * scheme); {@code validation} gives Glance the checksums it cannot compute from data it never read.
     */
    void addLocation(String id, String url, Map<String, String> validation) throws IOException {
        List<Map<String, Object>> patch = List.of(Map.of("op", "add", "path", "/locations/-",
                "value", Map.of("url", url, "metadata", Map.of(), "validation_data", validation)));
        send("the location " + url, request("/v2/images/" + id).header("Content-Type", "application/openstack-images-v2.1-json-patch")
                .method("PATCH", HttpRequest.BodyPublishers.ofByteArray(Json.MAPPER.writeValueAsBytes(patch))), 200);
    }

    /** GET /v2/images/ID; empty where Glance has no such image (404). */
    Optional<JsonNode> image(String id) throws IOException {
        HttpResponse<String> r = exchange("read image " + id, request("/v2/images/" + id).GET());
        if (r.statusCode() == 404) return Optional.empty();
        return Optional.of(json(check("read image " + id, r, 200)));
    }

    /** DELETE /v2/images/ID (a 404 is fine: nothing left to delete). */
    void delete(String id) throws IOException {
        HttpResponse<String> r = exchange("delete image " + id, request("/v2/images/" + id).DELETE());
        if (r.statusCode() != 404) check("delete image " + id, r, 204);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(endpoint + path)).timeout(Duration.ofMinutes(2))
                .header("Accept", "application/json");
        if (token != null) b.header("X-Auth-Token", token);
        return b;
    }

    private String send(String what, HttpRequest.Builder request, int expected) throws IOException {
        return check(what, exchange(what, request), expected);
    }

    private HttpResponse<String> exchange(String what, HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException | UnresolvedAddressException e) {
            String why = unresolved(e) ? "unknown host " + endpoint.getHost() : e instanceof HttpConnectTimeoutException ? "no answer within 10 s"
                    : e.getMessage() == null ? "connection refused" : e.getMessage();
            throw new UserError("cannot reach Glance at " + endpoint + ": " + why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + what + " at Glance " + endpoint, e);
        }
    }

    /** The JDK's client says ConnectException for a name it cannot resolve too: the cause tells. */
    private static boolean unresolved(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnresolvedAddressException || t instanceof java.net.UnknownHostException) return true;
        }
        return false;
    }

    private String check(String what, HttpResponse<String> r, int expected) {
        if (r.statusCode() == expected) return r.body();
        String reason = reason(r.body());
        if (r.statusCode() == 401) {
            throw new UserError("Glance at " + endpoint + " refused " + what + ": HTTP " + r.statusCode()
                    + (token == null ? " (no token given: set OS_AUTH_TOKEN)" : " (check the token in OS_AUTH_TOKEN)") + (reason.isEmpty() ? "" : ": " + reason));
        }
        if ((r.statusCode() == 404 || r.statusCode() == 300) && r.request().uri().getPath().endsWith("/v2/images")) {
            throw new UserError("no Glance v2 image API at " + endpoint + " (HTTP " + r.statusCode() + " for /v2/images): check the endpoint (openstack endpoint list --service image)");
        }
        throw new UserError("Glance at " + endpoint + " refused " + what + ": HTTP " + r.statusCode() + (reason.isEmpty() ? "" : ": " + reason));
    }

    /**
     * Glance's reason in one line: webob's error body, JSON ({"message": ...}) as asked for, or its HTML page
     * ("<title>400 Bad Request</title> ... reason").
     */
    static String reason(String body) {
        if (body == null || body.isBlank()) return "";
        String text = body;
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            // the first paragraph: jsonschema's refusals go on with the whole schema and the value again
            if (n.hasNonNull("message")) text = n.get("message").asText().split("\\n\\s*\\n", 2)[0];
        } catch (IOException e) {
            text = body.replaceAll("(?is)<head>.*</head>", " ").replaceAll("(?is)<h1>.*?</h1>", " ");
        }
        text = text.replaceAll("(?s)<[^>]*>", " ").replaceAll("\\s+", " ").strip();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private JsonNode json(String body) throws IOException {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IOException("Glance at " + endpoint + " answered something that is not JSON: " + reason(body), e);
        }
    }
}
