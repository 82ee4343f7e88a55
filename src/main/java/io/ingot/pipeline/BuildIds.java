package io.ingot.pipeline;

import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;

/** Fresh build ids: time of day plus random hex ({@code 20260101-030000-a1b2c3}). */
public final class BuildIds {
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private final SecureRandom random = new SecureRandom();

    public String next() {
        return LocalDateTime.now().format(ID_TIME) + "-" + HexFormat.of().formatHex(random.generateSeed(3));
    }
}
