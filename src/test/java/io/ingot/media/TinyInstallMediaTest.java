package io.ingot.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    private static final Path SOURCE = Path.of("src/main/resources/media");

    @ParameterizedTest
    @ValueSource(strings = {"tinyinstall", "debianinstall"})
    void indexListsEveryFileOfTheFolder(String medium) throws IOException {
        // A script missing from FILES would be absent when ingot runs from its jar.
        List<String> onDisk;
        try (Stream<Path> files = Files.walk(SOURCE.resolve(medium))) {
            onDisk = files.filter(Files::isRegularFile)
                    .map(p -> SOURCE.relativize(p).toString().replace('\\', '/'))
                    .filter(name -> !name.endsWith("/FILES"))
                    .sorted().toList();
        }
        List<String> indexed = ScriptedMedia.readScripts(getClass().getClassLoader(), medium).keySet().stream()
                .filter(name -> name.startsWith(medium + "/") && !name.endsWith("/FILES"))
                .sorted().toList();
        assertEquals(onDisk, indexed);
        assertTrue(ScriptedMedia.readScripts(getClass().getClassLoader(), medium).containsKey("common/lib.sh"));
    }

    @Test
    void changedScriptOrKeyGivesAnotherCacheDirectory() {
        Map<String, byte[]> scripts = new LinkedHashMap<>(ScriptedMedia.readScripts(getClass().getClassLoader(), "tinyinstall"));
        String before = ScriptedMedia.hash(scripts, "");
        assertNotEquals(before, ScriptedMedia.hash(scripts, "bookworm 2026-11-27"));
        scripts.put("tinyinstall/build.sh", (new String(scripts.get("tinyinstall/build.sh"), StandardCharsets.UTF_8) + "\n# changed\n")
                .getBytes(StandardCharsets.UTF_8));
        assertNotEquals(before, ScriptedMedia.hash(scripts, ""));
    }

    @Test
    void outputDirIsNamedAfterTheScriptsHash(@org.junit.jupiter.api.io.TempDir Path cache) {
        DebianArchive archive = new DebianArchive("http://mirror.example/debian", "http://mirror.example/debian-security", null, "test");
        TinyInstallMedia media = new TinyInstallMedia(cache, line -> { }, archive);
        String expected = ScriptedMedia.hash(ScriptedMedia.readScripts(getClass().getClassLoader(), "tinyinstall"),
                "suite=bookworm\nmirror=http://mirror.example/debian\nsecurity=http://mirror.example/debian-security\n").substring(0, 12);
        assertEquals(cache.resolve("media").resolve("tinyinstall-" + expected), media.outputDir());
        assertTrue(media.kernel().isEmpty(), "nothing built yet");
        // another archive, another cache directory (its packages may differ)
        DebianArchive other = new DebianArchive("http://proxy.example:3142/debian", "http://proxy.example:3142/debian-security", null, "test");
        assertNotEquals(media.outputDir(), new TinyInstallMedia(cache, line -> { }, other).outputDir());
    }
}
