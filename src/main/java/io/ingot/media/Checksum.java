package io.ingot.media;

import io.ingot.util.Sha256;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/** A media checksum as recipes write it: {@code sha256:<hex>} or {@code sha512:<hex>}. */
public record Checksum(String algorithm, String hex) {

    public static Checksum parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon < 0) throw new UserError("not a checksum: '" + text + "' (use sha256:<hex> or sha512:<hex>)");
        String algo = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String hex = text.substring(colon + 1).trim().toLowerCase(Locale.ROOT);
        if (!algo.equals("sha256") && !algo.equals("sha512")) {
            throw new UserError("unsupported checksum algorithm '" + algo + "' (use sha256 or sha512)");
        }
        return new Checksum(algo, hex);
    }

    public static Checksum sha256(Path file) throws IOException {
        return new Checksum("sha256", Sha256.of(file));
    }

    public boolean matches(Path file) throws IOException {
        return digest(algorithm, file).equals(hex);
    }

    static String digest(String algorithm, Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm.equals("sha512") ? "SHA-512" : "SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public String toString() { return algorithm + ":" + hex; }
}
