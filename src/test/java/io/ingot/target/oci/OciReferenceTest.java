package io.ingot.target.oci;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciReferenceTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void readsRegistryRepositoryTagAndDigest() {
        OciReference r = OciReference.parse("oci://registry.example:5000/templates/web-1:3.1");
        assertEquals(new OciReference(false, "registry.example:5000", "templates/web-1", "3.1", null), r);
        assertEquals("https://registry.example:5000", r.baseUrl());
        assertEquals("oci://registry.example:5000/templates/web-1", r.location());
        assertEquals("registry.example:5000/templates/web-1@" + DIGEST, r.pinned(DIGEST));
        OciReference d = OciReference.parse("oci+http://127.0.0.1:5000/a/b@" + DIGEST);
        assertEquals(new OciReference(true, "127.0.0.1:5000", "a/b", null, DIGEST), d);
        assertEquals("http://127.0.0.1:5000", d.baseUrl());
        assertEquals(DIGEST, d.reference());
        assertNull(OciReference.parse("oci://[::1]:5000/repo").tag(), "no tag: the push picks one");
        assertEquals("x", OciReference.parse("oci://localhost/repo").withTag("x").tag());
        assertTrue(OciReference.isOci("oci+http://localhost/x"));
        assertFalse(OciReference.isOci("s3://bucket/x"));
    }

    @Test
    void namesTheSpecRefusesAreRefusedBeforeAnyContact() {
        refused("oci://registry/Upper:1", "repository 'Upper' is not a name the OCI distribution spec allows");
        refused("oci://registry/a..b:1", "repository 'a..b'");
        refused("oci://registry/a/:1", "repository 'a/'");
        refused("oci://registry/-a:1", "repository '-a'");
        refused("oci://registry/repo:.tag", "tag '.tag' is not one the OCI distribution spec allows");
        refused("oci://registry/repo:" + "t".repeat(129), "tag 't");
        refused("oci://registry/repo:", "tag ''");
        refused("oci://registry/repo@sha256:abc", "digest 'sha256:abc' is not sha256: and 64 hex digits");
        refused("oci://registry", "a registry host and a repository");
        refused("oci://bad_host/repo:1", "'bad_host' is not a registry host[:port]");
        refused("oci://r/" + "a".repeat(254) + ":1", "longer than 255 characters");
        refused("s3://bucket/x", "is not an OCI reference");
    }

    @Test
    void plainHttpIsForLoopbackOnly() {
        for (String ok : new String[] {"127.0.0.1:5000", "127.1.2.3", "localhost:80", "[::1]:5000"}) {
            assertTrue(OciReference.parse("oci+http://" + ok + "/repo:1").plainHttp(), ok);
        }
        refused("oci+http://registry.example:5000/repo:1", "plain HTTP (oci+http://) is for a registry on this host's loopback only");
        refused("oci+http://10.0.0.1/repo:1", "loopback only");
    }

    private static void refused(String text, String expected) {
        String m = assertThrows(UserError.class, () -> OciReference.parse(text)).getMessage();
        assertTrue(m.contains(expected), m);
        assertFalse(m.contains("\n"), m);
    }
}
