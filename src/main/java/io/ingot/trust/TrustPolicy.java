package io.ingot.trust;

import io.ingot.util.UserError;

/** What a version that comes from another host must carry: {@code signed} (the default) or {@code none} (migration). */
public enum TrustPolicy {
    SIGNED, NONE;

    public static TrustPolicy parse(String text, String where) {
        if (text == null || text.isBlank()) return SIGNED;
        return switch (text.strip()) {
            case "signed" -> SIGNED;
            case "none" -> NONE;
            default -> throw new UserError(where + ": trust.require is 'signed' or 'none', not '" + text + "'");
        };
    }
}
