package io.ingot.cli;

import io.ingot.template.Manifest;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.List;

/**
 * The launcher's training run for its class data sharing archive (AppCDS): runs the read commands once, with
 * their output dropped, in a JVM started with {@code -XX:ArchiveClassesAtExit}, so that the archive holds what
 * they load. The launcher points {@code INGOT_IMAGES} at an empty scratch directory for it.
 */
public final class CdsTraining {
    private CdsTraining() { }

    public static void main(String[] args) {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        for (List<String> command : List.of(List.of("--help"), List.of("templates"), List.of("templates", "--json"),
                List.of("versions", "none"), List.of("versions", "none", "--json"), List.of("clones"),
                List.of("clones", "--json"), List.of("pool"), List.of("validate", "--help"))) {
            Main.run(command.toArray(String[]::new), none, none);
        }
        try {
            // the listings read every version's manifest; the scratch catalog has none
            Manifest.fromJson("{\"name\":\"t\",\"version\":1,\"disk\":{\"actualSize\":1}}");
        } catch (IOException | RuntimeException ignored) {
            // only the classes it loads matter
        }
    }
}
