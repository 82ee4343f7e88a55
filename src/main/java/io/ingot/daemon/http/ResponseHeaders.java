package io.ingot.daemon.http;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.apache.camel.spi.HeaderFilterStrategy;

import java.util.Locale;
import java.util.Set;

/**
 * Which message headers become response headers: only the ones the API means to send. Camel keeps the
 * request's headers and query parameters on the message, and would otherwise echo them back.
 */
public final class ResponseHeaders implements HeaderFilterStrategy {
    private static final Set<String> SENT = Set.of("content-type", "content-length", "content-range", "accept-ranges",
            "x-checksum-sha256", "www-authenticate", "cache-control", "retry-after");
    private final HeaderFilterStrategy incoming = new HttpHeaderFilterStrategy();

    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return !SENT.contains(headerName.toLowerCase(Locale.ROOT));
    }

    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return incoming.applyFilterToExternalHeaders(headerName, headerValue, exchange);
    }
}
