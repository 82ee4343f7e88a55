package io.ingot.server.http;

import org.apache.camel.Exchange;
import org.apache.camel.spi.HeaderFilterStrategy;

import java.util.Locale;
import java.util.Set;

/**
 * Which headers cross between HTTP and the API routes' messages (platform-http's header filter, both ways).
 * Camel puts a request's headers and its query parameters on the message, and copies the message's headers into
 * the response: so in, only the request headers a route reads ({@link #READ}); out, only the headers the routes
 * set themselves ({@link #SENT}). The two share no name, so no value of a request can become a response header,
 * whatever name it comes under. (Path parameters, name, version, id..., are not headers the routes send either.)
 */
public final class ResponseHeaders implements HeaderFilterStrategy {
    /**
     * Request headers (or query parameters of the same name) the routes read: a download's range, the front's HEAD mark,
     * a file list's request for data extents ({@code io.ingot.daemon.FilesApi#list}).
     */
    static final Set<String> READ = Set.of("range", HttpFront.HEAD_HEADER.toLowerCase(Locale.ROOT), "x-ingot-extents");
    /** Headers the routes and {@link ApiErrors} set on an answer. */
    static final Set<String> SENT = Set.of("content-type", "content-length", "content-range", "accept-ranges",
            "x-checksum-sha256", "www-authenticate", "cache-control", "retry-after");

    /** Out: true drops the message header. */
    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !SENT.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** In: true keeps the request header (or query parameter) off the message. */
    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !READ.contains(headerName.toLowerCase(Locale.ROOT));
    }
}
