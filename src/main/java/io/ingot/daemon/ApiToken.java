package io.ingot.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/** The bearer token of the daemon's mutating endpoints: {@code <state>/api-token}, made on first start (mode 0600). */
public record ApiToken(String value, boolean created) {
    public static final String FILE_NAME = "api-token";

    public static ApiToken loadOrCreate(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE_NAME);
        if (Files.isRegularFile(file)) return new ApiToken(Files.readString(file).strip(), false);
        Files.createDirectories(stateDir);
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        Path tmp = Files.createTempFile(stateDir, FILE_NAME, ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, token + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return new ApiToken(token, true);
    }

    /** Reads the token for a client on this machine (ingot schedule resume, tests); null if the daemon never started. */
    public static String read(Path stateDir) throws IOException {
        Path file = stateDir.resolve(FILE_NAME);
        return Files.isRegularFile(file) ? Files.readString(file).strip() : null;
    }

    /** Constant-time comparison of an {@code Authorization} header with the token; the scheme is case-insensitive (RFC 7235). */
    public boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) return false;
        return MessageDigest.isEqual(authorization.substring(7).strip().getBytes(), value.getBytes());
    }

}
