package io.ingot.trust;

import io.ingot.template.Manifest;

import java.io.IOException;
import java.util.Map;

/** For tests that hand-make a version: its envelope, signed by a site's key over the given files and digests. */
public final class Signed {
    private Signed() { }

    /** {@code into} trusts {@code from}'s site key (as {@code ingot key export} there and {@code ingot key trust} here do). */
    public static void enrol(VersionTrust from, VersionTrust into) throws IOException {
        java.security.PublicKey k = from.siteKey().load().getPublic();
        java.nio.file.Files.createDirectories(into.trustDir());
        java.nio.file.Files.writeString(into.trustDir().resolve(KeyFiles.keyId(k).substring(0, 16) + ".pem"), KeyFiles.publicPem(k));
    }

    public static byte[] envelope(VersionTrust trust, Map<String, String> files) throws IOException {
        return trust.signPayload(Dsse.IN_TOTO, Provenance.statement(files, Provenance.predicate(Manifest.empty(), null))).toJson();
    }
}
