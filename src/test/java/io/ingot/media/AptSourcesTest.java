package io.ingot.media;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AptSourcesTest {
    private static final Path FILE = Path.of("/etc/apt/sources.list.d/x");

    @Test
    void deb822OfADebianHost() throws IOException {
        List<AptSources.Entry> entries = AptSources.parseDeb822(FILE, sample("debian.sources"));
        assertEquals(2, entries.size());
        AptSources.Entry main = entries.get(0);
        assertEquals("http://deb.debian.org/debian", main.uri());
        assertEquals(List.of("bookworm", "bookworm-updates"), main.suites());
        assertEquals(List.of("main"), main.components());
        assertEquals("/usr/share/keyrings/debian-archive-keyring.gpg", main.signedBy());
        assertEquals(FILE + ":4", main.where(), "the line of its URIs (comments count as lines)");
        assertTrue(entries.get(1).isSecurity());

        AptSources sources = new AptSources(entries);
        assertEquals(main, sources.archive(Set.of("bookworm")).orElseThrow());
        assertEquals(main, sources.archive(Set.of("trixie")).orElseThrow(), "by its /debian path, whatever the suite");
        assertEquals("http://deb.debian.org/debian-security", sources.security().orElseThrow().uri());
    }

    @Test
    void deb822SkipsDisabledSourceOnlyAndCdromEntriesAndKeepsEveryUri() throws IOException {
        List<AptSources.Entry> entries = AptSources.parseDeb822(FILE, sample("site.sources"));
        assertEquals(List.of("https://mirror.site.example/debian", "http://mirror2.site.example/debian",
                "http://security.site.example/debian-security"), entries.stream().map(AptSources.Entry::uri).toList());
        assertNull(entries.get(0).signedBy(), "an inline key is no keyring file");
        assertEquals(List.of("main", "contrib", "non-free-firmware"), entries.get(0).components());
        assertEquals(List.of("bookworm-security"), entries.get(2).suites(), "field names in any case");

        AptSources sources = new AptSources(entries);
        assertEquals("https://mirror.site.example/debian", sources.archive(Set.of("bookworm")).orElseThrow().uri(), "the first URI");
        assertEquals("http://security.site.example/debian-security", sources.security().orElseThrow().uri());
    }

    @Test
    void oneLineWithOptionsCommentsAndMethodsIngotCannotUse() throws IOException {
        List<AptSources.Entry> entries = AptSources.parseOneLine(FILE, sample("sources.list"));
        // commented, cdrom:, file: and deb-src lines are skipped
        assertEquals(List.of("https://download.docker.com/linux/debian", "http://apt-cache.site.example:3142/debian",
                "http://apt-cache.site.example:3142/debian-security"), entries.stream().map(AptSources.Entry::uri).toList());
        AptSources.Entry proxy = entries.get(1);
        assertEquals(List.of("bookworm"), proxy.suites());
        assertEquals(List.of("main", "contrib"), proxy.components(), "a trailing comment is no component");
        assertEquals("/etc/apt/keyrings/site.gpg", proxy.signedBy(), "signed-by in [ ... ] with spaces");
        assertEquals(FILE + ":7", proxy.where());

        AptSources sources = new AptSources(entries);
        // the docker repository has the release's suite but is not Debian (no /debian path, no main component)
        assertEquals(proxy, sources.archive(Set.of("bookworm")).orElseThrow());
        assertEquals("http://apt-cache.site.example:3142/debian-security", sources.security().orElseThrow().uri());
    }

    @Test
    void aMirrorNamedOnlyByItsSuiteCountsWithTheMainComponent() {
        List<AptSources.Entry> entries = AptSources.parseOneLine(FILE, """
                deb http://repo.example/vendor bookworm stable
                deb http://ftp.example.org/pub/mirrors/deb bookworm main
                deb http://ftp.example.org/pub/mirrors/deb-security bookworm-security main
                """);
        AptSources sources = new AptSources(entries);
        assertEquals("http://ftp.example.org/pub/mirrors/deb", sources.archive(Set.of("bookworm")).orElseThrow().uri());
        assertTrue(sources.archive(Set.of("trixie")).isEmpty(), "neither the suite nor a /debian path");
        assertEquals("http://ftp.example.org/pub/mirrors/deb-security", sources.security().orElseThrow().uri());
    }

    @Test
    void readsSourcesListThenTheFolderInNameOrderAsAptDoes(@TempDir Path root) throws IOException {
        Path d = Files.createDirectories(root.resolve("etc/apt/sources.list.d"));
        Files.writeString(root.resolve("etc/apt/sources.list"), "# nothing here\n");
        Files.writeString(d.resolve("b-debian.sources"), sample("debian.sources"));
        Files.writeString(d.resolve("a-proxy.list"), "deb http://proxy.example:3142/debian bookworm main\n");
        // names apt ignores
        Files.writeString(d.resolve("c.list.disabled-by-farm"), "deb http://ignored.example/debian bookworm main\n");
        Files.writeString(d.resolve("d.sources.save"), "Types: deb\nURIs: http://ignored.example/debian\nSuites: bookworm\n");

        AptSources sources = AptSources.read(root);
        assertEquals(List.of("http://proxy.example:3142/debian", "http://deb.debian.org/debian", "http://deb.debian.org/debian-security"),
                sources.entries().stream().map(AptSources.Entry::uri).toList());
        AptSources.Entry archive = sources.archive(Set.of("bookworm")).orElseThrow();
        assertEquals("http://proxy.example:3142/debian", archive.uri());
        assertEquals(d.resolve("a-proxy.list") + ":1", archive.where());
    }

    @Test
    void noSourcesNoArchive(@TempDir Path root) {
        AptSources sources = AptSources.read(root);
        assertTrue(sources.entries().isEmpty());
        assertTrue(sources.archive(Set.of("bookworm")).isEmpty());
        assertTrue(sources.security().isEmpty());
    }

    private static String sample(String name) throws IOException {
        try (InputStream in = AptSourcesTest.class.getResourceAsStream("/apt/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }
}
