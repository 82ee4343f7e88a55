package io.ingot.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.ingot.util.Conflict;
import io.ingot.util.Json;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeCamelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * The one place where errors become HTTP answers: {@link NotFound} 404, {@link Conflict} 409, any other
 * {@link UserError} (bad input) 400, an {@link HttpError} its own status, anything else 500 (logged with its
 * stack trace, answered with one line). Camel's {@code onException} of the API routes and the Vert.x front
 * (refusals before a route, no such path, wrong method, body too large) both answer through it.
 */
public final class ApiErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    /** An error answer: status, one-line message (the body is {@code {"error": message}}), extra headers. */
    public record Reply(int status, String message, Map<String, String> headers) {
        public byte[] body() {
            try {
                return Json.MAPPER.writeValueAsBytes(Map.of("error", message));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static Reply of(Throwable error) {
        Throwable e = unwrap(error);
        if (e instanceof HttpError h) return new Reply(h.status(), h.getMessage(), h.headers());
        if (e instanceof NotFound) return new Reply(404, oneLine(e.getMessage()), Map.of());
        if (e instanceof Conflict) return new Reply(409, oneLine(e.getMessage()), Map.of());
        if (e instanceof UserError) return new Reply(400, oneLine(e.getMessage()), Map.of());
        LOG.warn("internal error answering an API request", e);
        return new Reply(500, "internal error: " + firstLine(String.valueOf(e)), Map.of());
    }

    /** An answer for a status Vert.x decided before any route ran (no such path, wrong method, body too large). */
    public static Reply ofStatus(int status, String method, String path) {
        String message = switch (status) {
            case 404 -> "no such resource: " + method + " " + path + " (see docs/api.md)";
            case 405 -> method + " is not allowed on " + path + " (see docs/api.md)";
            case 406 -> "cannot answer " + path + " in a type the Accept header allows (see docs/api.md)";
            case 413 -> "request body too large (at most " + HttpFront.MAX_BODY_BYTES / 1024 + " KiB)";
            case 503 -> "the request took too long; try again";
            default -> "HTTP " + status;
        };
        return new Reply(status, message, Map.of());
    }

    /** Camel's side: the API routes' {@code onException} sends the caught exception here. */
    public void reply(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        Reply r = of(caught);
        Map<String, Object> headers = new LinkedHashMap<>(r.headers());
        exchange.getMessage().getHeaders().clear();
        exchange.getMessage().getHeaders().putAll(headers);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, r.status());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(r.body());
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof RuntimeCamelException || t instanceof CompletionException
                || t instanceof InvocationTargetException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** A message of several lines (every problem of a recipe) as one line. */
    private static String oneLine(String s) {
        return s == null ? "error" : s.strip().replaceAll("\\s*\n\\s*", "; ");
    }

    private static String firstLine(String s) {
        if (s == null) return "error";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
