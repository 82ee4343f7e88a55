package io.ingot.media;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TinyInstallMediaTest {

    private static final Path SOURCE = Path.of("src/main/resources/media/tinyinstall");

    @Test
    void indexListsEveryFileOfTheFolder() throws IOException {
        // A script missing from FILES would be absent when ingot runs from its jar.
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(SOURCE)) {
            onDisk = files.filter(Files::isRegularFile)
                    .map(p -> SOURCE.relativize(p).toString().replace('\\', '/'))
                    .filter(name -> !name.equals("FILES"))
                    .sorted().toList();
        }
        List<String> indexed = TinyInstallMedia.readScripts(getClass().getClassLoader()).keySet().stream()
                .filter(name -> !name.equals("FILES"))
                .sorted().toList();
        assertEquals(onDisk, indexed);
    }

    @Test
    void changedScriptGivesAnotherCacheDirectory() {
        Map<String, byte[]> scripts = new LinkedHashMap<>(TinyInstallMedia.readScripts(getClass().getClassLoader()));
        String before = TinyInstallMedia.hash(scripts);
        scripts.put("build.sh", (new String(scripts.get("build.sh"), StandardCharsets.UTF_8) + "\n# changed\n")
                .getBytes(StandardCharsets.UTF_8));
        assertNotEquals(before, TinyInstallMedia.hash(scripts));
    }

    @Test
    void outputDirIsNamedAfterTheScriptsHash(@org.junit.jupiter.api.io.TempDir Path cache) {
        TinyInstallMedia media = new TinyInstallMedia(cache, line -> { });
        String expected = TinyInstallMedia.hash(TinyInstallMedia.readScripts(getClass().getClassLoader())).substring(0, 12);
        assertEquals(cache.resolve("media").resolve("tinyinstall-" + expected), media.outputDir());
        assertTrue(media.kernel().isEmpty(), "nothing built yet");
    }
}
