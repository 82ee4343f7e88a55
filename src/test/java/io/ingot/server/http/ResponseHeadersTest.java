package io.ingot.server.http;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The header filter of the API routes: what a request brings in and what an answer sends never share a name. */
class ResponseHeadersTest {
    private final ResponseHeaders filter = new ResponseHeaders();

    @Test
    void noRequestHeaderThatComesInCanGoOut() {
        for (String name : ResponseHeaders.READ) assertFalse(ResponseHeaders.SENT.contains(name), name);
        for (String name : List.of("Content-Type", "Cache-Control", "Content-Range", "WWW-Authenticate", "X-Checksum-Sha256",
                "Set-Cookie", "Location", "Authorization", "Host", "X-Forwarded-Host", "CamelHttpResponseCode")) {
            assertTrue(filter.applyFilterToExternalHeaders(name, "x", null), name + " stays off the message");
        }
        assertFalse(filter.applyFilterToExternalHeaders("Range", "bytes=0-1", null), "a download reads its range");
        assertFalse(filter.applyFilterToExternalHeaders(HttpFront.HEAD_HEADER, "1", null));
    }

    @Test
    void onlyTheHeadersTheRoutesSetAreSent() {
        for (String name : List.of("Content-Type", "content-length", "X-Checksum-Sha256", "WWW-Authenticate", "Retry-After")) {
            assertFalse(filter.applyFilterToCamelHeaders(name, "x", null), name);
        }
        for (String name : List.of("Range", "name", "id", "Set-Cookie", "Location", "CamelHttpUri", HttpFront.HEAD_HEADER)) {
            assertTrue(filter.applyFilterToCamelHeaders(name, "x", null), name);
        }
    }
}
