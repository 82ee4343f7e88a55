package io.ingot.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.ingot.util.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.IOException;

/**
 * How the API routes' results become answers: values as JSON, file slices as downloads. Each sets its own
 * Content-Type: an answer's type is never left to what the request carried.
 */
public final class Replies {
    public static final String JSON_TYPE = "application/json";
    /** ISO-8601 times, as docs/api.md says. */
    private static final ObjectMapper JSON = Json.MAPPER.copy().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** The body, a value, becomes its JSON. */
    public void json(Exchange exchange) throws JsonProcessingException {
        Message m = exchange.getMessage();
        m.setBody(JSON.writeValueAsBytes(m.getBody()));
        m.setHeader(Exchange.CONTENT_TYPE, JSON_TYPE);
    }

    /** A {@link FileSlice} body becomes the download: status, length, range and checksum headers, the bytes. */
    public void file(Exchange exchange) throws IOException {
        Message m = exchange.getMessage();
        FileSlice s = m.getBody(FileSlice.class);
        m.setHeader(Exchange.HTTP_RESPONSE_CODE, s.partial() ? 206 : 200);
        m.setHeader("Accept-Ranges", "bytes");
        m.setHeader("X-Checksum-Sha256", s.sha256());
        if (s.partial()) m.setHeader("Content-Range", "bytes " + s.start() + "-" + s.end() + "/" + s.size());
        m.setHeader("Content-Length", Long.toString(s.length()));
        m.setHeader(Exchange.CONTENT_TYPE, "application/octet-stream");
        m.setBody(s.headOnly() ? null : s.open());
    }
}
