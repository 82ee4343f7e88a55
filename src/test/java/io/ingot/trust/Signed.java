package io.ingot.trust;

import io.ingot.template.Manifest;

import java.io.IOException;
import java.util.Map;

/** For tests that hand-make a version: its envelope, signed by a site's key over the given files and digests. */
public final class Signed {
    private Signed() { }

    public static byte[] envelope(VersionTrust trust, Map<String, String> files) throws IOException {
        return trust.signPayload(Dsse.IN_TOTO, Provenance.statement(files, Provenance.predicate(Manifest.empty(), null))).toJson();
    }
}
