package io.ingot.target;

import io.ingot.catalog.DeliveryRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One place a template or clone is handed to. {@link #deliver} either makes the whole copy there or, on failure,
 * removes what it made (a one-line UserError for bad input: unreachable, refused name, ...).
 */
public interface Target {
    TargetType type();

    /** Where it is reached again, without the name of one copy: what the catalog records as the location. */
    String location();

    /** The name the user asked for in the URI, if any (else the push picks one). */
    Optional<String> requestedName();

    /** Makes the copy; {@code progress} gets a line per step. */
    Delivered deliver(Handover handover, Consumer<String> progress) throws IOException;

    /** Whether the copy recorded by {@code d} still reads {@code baseImage} there (asked before the version is removed). */
    Presence presence(DeliveryRecord d, Path baseImage);

    /** What was made: the reference the target knows it by and a line for the user. */
    record Delivered(String reference, String summary) { }

    /** Whether a linked copy still uses its base: known yes, known gone, or unknown (the target could not be asked). */
    record Presence(State state, String detail) {
        public enum State { USES, GONE, UNKNOWN }

        public static Presence uses(String detail) { return new Presence(State.USES, detail); }
        public static Presence gone(String detail) { return new Presence(State.GONE, detail); }
        public static Presence unknown(String detail) { return new Presence(State.UNKNOWN, detail); }
    }
}
