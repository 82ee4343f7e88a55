package io.ingot.server.http;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Path, Host and token checks every request passes before a route sees it. */
class RequestGuardTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final InetAddress OTHER = address("192.0.2.7");
    private final HostAllowList hosts = new HostAllowList(List.of("localhost", "127.0.0.1", "[::1]", "buildhost.example"));
    private final RequestGuard guard = new RequestGuard(hosts, "Bearer good"::equals, false);

    @Test
    void hostHeadersNameTheDaemonOrAreRefused() {
        for (String ok : List.of("localhost", "localhost:8470", "127.0.0.1:8470", "[::1]:8470", "[::1]", "LOCALHOST.", "buildhost.example:80")) {
            assertTrue(hosts.allows(ok), ok);
        }
        for (String bad : List.of("evil.example", "evil.example:8470", "127.0.0.1.evil.example", "localhost:80x", "[::1", "", "localhost:")) {
            assertFalse(hosts.allows(bad), bad);
        }
        assertEquals("localhost:8470", guard.host(List.of("localhost:8470")));
        HttpError e = assertThrows(HttpError.class, () -> guard.check("GET", "/api/templates", "rebound.example:8470", LOOPBACK, null));
        assertEquals(403, e.status());
        // none, several, or one that is no host name: bad input (400), not a server error
        for (List<String> bad : List.of(List.<String>of(), List.of("localhost", "evil.example"), List.of(""), List.of("localhost:port"),
                List.of("[::1"), List.of("a b"), List.of("localhost,evil.example"), List.of("[fe80::1%eth0]"))) {
            UserError u = assertThrows(UserError.class, () -> guard.host(bad), bad.toString());
            assertTrue(u.getMessage().contains("Host"), u.getMessage());
        }
    }

    @Test
    void traversalIsRefusedBeforeAnythingElse() {
        for (String path : List.of("/api/templates/../x", "/api/%2e%2e/x", "/api/templates/a%2Fb", "/api/a%5cb", "/api/a\\b")) {
            assertThrows(UserError.class, () -> guard.check("POST", path, "evil.example", OTHER, null), path);
        }
    }

    @Test
    void writesNeedTheTokenAndReadsTooFromOtherAddresses() {
        assertDoesNotThrow(() -> guard.check("GET", "/api/templates", "localhost", LOOPBACK, null));
        assertDoesNotThrow(() -> guard.check("HEAD", "/api/templates", "localhost", LOOPBACK, null));
        assertEquals(401, assertThrows(HttpError.class, () -> guard.check("POST", "/api/builds", "localhost", LOOPBACK, null)).status());
        assertEquals(401, assertThrows(HttpError.class, () -> guard.check("DELETE", "/api/builds", "localhost", LOOPBACK, "Bearer bad")).status());
        assertEquals(401, assertThrows(HttpError.class, () -> guard.check("GET", "/api/templates", "buildhost.example", OTHER, null)).status());
        assertDoesNotThrow(() -> guard.check("GET", "/api/templates", "buildhost.example", OTHER, "Bearer good"));
        RequestGuard open = new RequestGuard(hosts, "Bearer good"::equals, true);
        assertDoesNotThrow(() -> open.check("GET", "/api/templates", "buildhost.example", OTHER, null));
        assertThrows(HttpError.class, () -> open.check("POST", "/api/builds", "buildhost.example", OTHER, null));
        assertEquals("Bearer realm=\"ingot\"", HttpError.unauthorized().headers().get("WWW-Authenticate"));
    }

    @Test
    void theDaemonsOwnNamesAreAllowed() {
        HostAllowList all = HostAllowList.forDaemon(address("0.0.0.0"), List.of("Templates.Example."));
        assertTrue(all.allows("templates.example:8470"), all.names().toString());
        assertTrue(all.allows("127.0.0.1") && all.allows("[::1]:1") && all.allows("localhost"));
        HostAllowList one = HostAllowList.forDaemon(address("127.0.0.1"), List.of("::1"));
        assertTrue(one.allows("[::1]:8470"));
        assertEquals("[::1]", HostAllowList.hostOf("[::1]:8470"));
        assertNull(HostAllowList.hostOf("a:b:c"));
        assertEquals("fe80::1", HostAllowList.compress("fe80:0:0:0:0:0:0:1"));
        assertEquals("2001:db8::1:0:0:1", HostAllowList.compress("2001:0db8:0:0:1:0:0:1"));
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
