package io.ingot.daemon;

import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which listeners of a daemon without TLS are warned about, and how ingot serve --tls picks its identity. */
class DaemonTlsTest {
    @Test
    void plainListenersBeyondLoopbackAreWarnedAbout() {
        DaemonConfig local = DaemonConfig.defaults().withListen("127.0.0.1", 0)
                .withBroker(new DaemonConfig.Broker(null, "tcp://127.0.0.1:61616", 3, null));
        assertEquals(List.of(), DaemonTls.plainWarnings(local, false), "loopback only: plain is fine");
        DaemonConfig open = DaemonConfig.defaults().withListen("0.0.0.0", 0)
                .withBroker(new DaemonConfig.Broker(null, "tcp://0.0.0.0:61616", 3, null));
        List<String> warnings = DaemonTls.plainWarnings(open, false);
        assertEquals(2, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("the API on 0.0.0.0 is plain HTTP: the API token"), warnings.get(0));
        assertTrue(warnings.get(1).startsWith("the build broker on tcp://0.0.0.0:61616 is plain TCP"), warnings.get(1));
        assertEquals(List.of(), DaemonTls.plainWarnings(open, true), "with TLS nothing is sent in clear");
    }

    @Test
    void theIdentityIsTheAdminsFilesOrSelfMadeOnce(@TempDir Path dir) {
        IngotPaths paths = new IngotPaths(dir, dir.resolve("images"), dir.resolve("cache"), dir.resolve("images/.ingot"));
        DaemonConfig config = DaemonConfig.defaults().withHostNames(List.of("templates.example"));
        UserError half = assertThrows(UserError.class, () -> DaemonTls.choose(paths, config, "cert.pem", null, Instant.now()));
        assertEquals("give both --tls-cert and --tls-key, or neither (a self-made certificate)", half.getMessage());
        DaemonTls made = DaemonTls.choose(paths, config, null, null, Instant.now());
        assertTrue(made.selfMade());
        assertTrue(Files.isRegularFile(paths.state().resolve("tls/key.pem")));
        DaemonTls given = DaemonTls.choose(paths, config, paths.state().resolve("tls/cert.pem").toString(),
                paths.state().resolve("tls/key.pem").toString(), Instant.now());
        assertEquals(made.identity().fingerprint(), given.identity().fingerprint());
        assertTrue(!given.selfMade());
    }
}
