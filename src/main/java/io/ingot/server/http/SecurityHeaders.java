package io.ingot.server.http;

import io.vertx.core.MultiMap;

import java.util.Locale;

/**
 * The headers every answer of the daemon carries, whatever made it (a route, a refusal, a log stream): a
 * Content-Security-Policy, {@code X-Content-Type-Options: nosniff} (a browser takes an answer for the type it
 * says, never guesses HTML or script from its bytes) and {@code Referrer-Policy: no-referrer}. The page gets the
 * policy it works with (its own script, style and images, reads of this API, the screen as a blob); every
 * other answer may load nothing at all, so a build log or a recipe holding markup can never run as a page.
 */
final class SecurityHeaders {
    /** What the page (web/index.html, ingot.js, ingot.css) needs and no more: no inline script or style. */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    static final String POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private SecurityHeaders() { }

    /** Sets them on a response about to send its headers (its Content-Type already set). */
    static void apply(MultiMap headers) {
        String type = headers.get("Content-Type");
        boolean page = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/html");
        headers.set("Content-Security-Policy", page ? PAGE_POLICY : POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Referrer-Policy", "no-referrer");
    }
}
