package io.ingot.media;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MirrorChooserTest {
    @TempDir
    Path root;

    private Path sources(String name, String text) throws IOException {
        Path d = Files.createDirectories(root.resolve("etc/apt/sources.list.d"));
        return Files.writeString(d.resolve(name), text);
    }

    @Test
    void theHostsOwnArchiveByDefault() throws IOException {
        Path file = sources("debian.sources", """
                Types: deb
                URIs: http://deb.debian.org/debian
                Suites: bookworm bookworm-updates
                Components: main
                Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

                Types: deb
                URIs: http://deb.debian.org/debian-security
                Suites: bookworm-security
                Components: main
                """);
        DebianArchive a = new MirrorChooser(root, Map.of()).choose(null, "trixie");
        assertEquals("http://deb.debian.org/debian", a.mirror());
        assertEquals("http://deb.debian.org/debian-security", a.security());
        assertEquals("/usr/share/keyrings/debian-archive-keyring.gpg", a.keyring());
        assertEquals(file + ":2, security " + file + ":8", a.origin());
        assertEquals("/usr/share/keyrings/debian-archive-keyring.gpg", a.environment().get("INGOT_KEYRING"));
    }

    @Test
    void aHostProxyWithoutASecurityEntryGetsTheSecurityArchiveBesideIt() throws IOException {
        Files.createDirectories(root.resolve("etc/apt"));
        Files.writeString(root.resolve("etc/apt/sources.list"), "deb http://proxy.lan:3142/debian bookworm main\n");
        DebianArchive a = new MirrorChooser(root, Map.of()).choose(null, "bookworm");
        assertEquals("http://proxy.lan:3142/debian", a.mirror());
        assertEquals("http://proxy.lan:3142/debian-security", a.security());
        assertNull(a.keyring());
        assertFalse(a.environment().containsKey("INGOT_KEYRING"));
    }

    @Test
    void theRecipeThenTheEnvironmentOverrideTheHost() throws IOException {
        sources("debian.sources", "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\n");
        MirrorChooser chooser = new MirrorChooser(root, Map.of(MirrorChooser.ENV, "http://env.example/debian/"));
        DebianArchive fromEnv = chooser.choose(null, "bookworm");
        assertEquals("http://env.example/debian", fromEnv.mirror());
        assertEquals("http://env.example/debian-security", fromEnv.security());
        assertEquals("INGOT_MIRROR", fromEnv.origin());

        DebianArchive fromRecipe = chooser.choose("https://recipe.example/mirror/debian", "bookworm");
        assertEquals("https://recipe.example/mirror/debian", fromRecipe.mirror());
        assertEquals("https://recipe.example/mirror/debian-security", fromRecipe.security());
        assertEquals("the recipe's media.iso.mirror", fromRecipe.origin());
        // the cache key holds the archives, not where they were read
        assertEquals("mirror=https://recipe.example/mirror/debian\nsecurity=https://recipe.example/mirror/debian-security\n", fromRecipe.identity());
    }

    @Test
    void noUsableSourceSaysWhatToSet() throws IOException {
        sources("local.list", "deb cdrom:[Debian]/ bookworm main\ndeb file:/srv/repo ./\n");
        UserError e = assertThrows(UserError.class, () -> new MirrorChooser(root, Map.of()).choose(null, "bookworm"));
        assertTrue(e.getMessage().startsWith("no Debian archive (http or https) found in the host's apt sources"), e.getMessage());
        assertTrue(e.getMessage().contains("set media.iso.mirror in the recipe or INGOT_MIRROR"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");

        UserError bad = assertThrows(UserError.class, () -> new MirrorChooser(root, Map.of(MirrorChooser.ENV, "ftp://x/debian")).choose(null, "bookworm"));
        assertEquals("INGOT_MIRROR: expected an http or https URL of a Debian archive, got 'ftp://x/debian'", bad.getMessage());
    }

    @Test
    void theHostsReleaseCountsForAMirrorKnownOnlyByItsSuite() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_CODENAME=bookworm\n");
        sources("site.list", "deb http://ftp.site.example/pub/deb bookworm main\n");
        // media of trixie on a bookworm host: the host's archive, found by the host's own release
        assertEquals("http://ftp.site.example/pub/deb", new MirrorChooser(root, Map.of()).choose(null, "trixie").mirror());
    }

    @Test
    void securityBesideAMirror() {
        assertEquals("http://deb.debian.org/debian-security", MirrorChooser.securityBeside("http://deb.debian.org/debian"));
        assertEquals("http://m.example/pub/debian-security", MirrorChooser.securityBeside("http://m.example/pub/deb"));
    }
}
