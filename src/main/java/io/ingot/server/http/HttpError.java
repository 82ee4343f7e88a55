package io.ingot.server.http;

import java.util.Map;

/**
 * A refusal that belongs to HTTP itself rather than to the domain (no token, a Host that is not ours, a range
 * past the end, too many log followers): its status and the headers that go with it.
 */
public final class HttpError extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    public HttpError(int status, String message, Map<String, String> headers) {
        super(message);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public static HttpError unauthorized() {
        return new HttpError(401, "this needs the daemon's bearer token (Authorization: Bearer TOKEN; see <images>/.ingot/api-token)",
                Map.of("WWW-Authenticate", "Bearer realm=\"ingot\""));
    }

    public static HttpError forbidden(String message) {
        return new HttpError(403, message, Map.of());
    }

    /** A Range that cannot be served; {@code size} is the file's length, sent as {@code Content-Range: bytes *}{@code /SIZE}. */
    public static HttpError rangeNotSatisfiable(String message, long size) {
        return new HttpError(416, message, Map.of("Content-Range", "bytes */" + size));
    }

    public static HttpError unavailable(String message) {
        return new HttpError(503, message, Map.of("Retry-After", "10"));
    }

    public int status() { return status; }

    public Map<String, String> headers() { return headers; }
}
