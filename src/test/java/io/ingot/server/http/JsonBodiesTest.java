package io.ingot.server.http;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Request bodies are strictly typed: what the hardening probe sent as "false" or "1" is a 400 now. */
class JsonBodiesTest {
    record Revoke(Boolean revoked) { }

    record Promote(Integer version) { }

    record Submit(String recipe) { }

    @Test
    void wellTypedBodiesAndTheEmptyBodyAreRead() {
        assertEquals(Boolean.FALSE, read("{\"revoked\": false}", Revoke.class).revoked());
        assertNull(read("", Revoke.class).revoked(), "an empty body is {}");
        assertNull(read("{}", Revoke.class).revoked());
        assertEquals(3, read(" {\"version\": 3} ", Promote.class).version());
        assertEquals("tiny-linux", read("{\"recipe\": \"tiny-linux\"}", Submit.class).recipe());
    }

    @Test
    void wrongTypesNullsOtherValuesAndTrailingJsonAreRefused() {
        refused("{\"revoked\": \"yes\"}", Revoke.class, "\"revoked\" has the wrong type");
        refused("{\"revoked\": 1}", Revoke.class, "\"revoked\" has the wrong type");
        refused("{\"revoked\": \"true\"}", Revoke.class, "\"revoked\" has the wrong type");
        refused("{\"revoked\": null}", Revoke.class, "\"revoked\" is null");
        refused("null", Revoke.class, "not null");
        refused("[true]", Revoke.class, "not array");
        refused("true", Revoke.class, "not boolean");
        refused("{\"version\": 1.5}", Promote.class, "\"version\" has the wrong type");
        refused("{\"version\": \"1\"}", Promote.class, "\"version\" has the wrong type");
        refused("{\"version\": 99999999999}", Promote.class, "out of range");
        refused("{\"version\": 1} {\"version\": 2}", Promote.class, "more after the JSON value");
        refused("{\"version\": 1}]", Promote.class, "body must be");
        refused("{\"recipe\": 5}", Submit.class, "\"recipe\" has the wrong type");
        refused("{\"recipe\": \"a\", \"extra\": 1}", Submit.class, "unknown field \"extra\"");
        refused("{\"recipe\": ", Submit.class, "not JSON");
    }

    @Test
    void aKeyGivenTwiceIsRefused() {
        // {"version": 1, "version": 9} would otherwise promote to 9 while a proxy that reads the first key saw 1
        refused("{\"version\": 1, \"version\": 9}", Promote.class, "not JSON (Duplicate field 'version')");
    }

    private static <T> T read(String body, Class<T> type) {
        return JsonBodies.read(body.getBytes(StandardCharsets.UTF_8), type, "SHAPE");
    }

    private static void refused(String body, Class<?> type, String expected) {
        UserError e = assertThrows(UserError.class, () -> read(body, type), body);
        assertTrue(e.getMessage().startsWith("body must be SHAPE") && e.getMessage().contains(expected), body + " -> " + e.getMessage());
    }
}
