package io.ingot.media;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChecksumListTest {
    private static final String DEBIAN_IMAGES = "https://deb.debian.org/debian/dists/bookworm/main/installer-amd64/current/images/";

    private static ChecksumList list(String resource) throws Exception {
        return ChecksumList.parse(Files.readString(Path.of("src/test/resources/checksums", resource)), resource);
    }

    @Test
    void debianNetbootInitrdIsFoundByItsPathNotTheFirstInitrd() throws Exception {
        ChecksumList debian = list("debian-12-installer-amd64-SHA256SUMS");
        URI initrd = URI.create(DEBIAN_IMAGES + "netboot/debian-installer/amd64/initrd.gz");
        String rel = MediaFetcher.relativePath(URI.create(DEBIAN_IMAGES + "SHA256SUMS"), initrd);
        assertEquals("netboot/debian-installer/amd64/initrd.gz", rel);
        // the line of ./netboot/debian-installer/amd64/initrd.gz, not ./cdrom/initrd.gz listed first
        assertEquals("cb24a28a5ba13dfb22e6e75bdd8ab997dbdee6e3ec6c1102f6c7f93044bd817d", debian.find(rel, "initrd.gz"));
        assertEquals("032102f9f735fa8589172af616303cde2570275496ca6a9424c2763cb46e5675", debian.find("cdrom/initrd.gz", "initrd.gz"));
    }

    @Test
    void aNameListedSeveralTimesWithoutAPathIsRefusedNamingTheCandidates() throws Exception {
        ChecksumList debian = list("debian-12-installer-amd64-SHA256SUMS");
        UserError e = assertThrows(UserError.class, () -> debian.find(null, "initrd.gz"));
        assertTrue(e.getMessage().contains("entries named initrd.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("netboot/debian-installer/amd64/initrd.gz"), e.getMessage());
    }

    @Test
    void ubuntuBinaryMarkedNamesAreFoundByName() throws Exception {
        ChecksumList ubuntu = list("ubuntu-24.04-SHA256SUMS");
        URI iso = URI.create("https://releases.ubuntu.com/24.04.3/ubuntu-24.04.3-live-server-amd64.iso");
        String rel = MediaFetcher.relativePath(URI.create("https://releases.ubuntu.com/24.04.3/SHA256SUMS"), iso);
        assertEquals("ubuntu-24.04.3-live-server-amd64.iso", rel);
        assertEquals("c".repeat(64), ubuntu.find(rel, "ubuntu-24.04.3-live-server-amd64.iso"));
    }

    @Test
    void aMissingFileIsAClearError() throws Exception {
        ChecksumList debian = list("debian-12-installer-amd64-SHA256SUMS");
        UserError e = assertThrows(UserError.class, () -> debian.find("netboot/nope.gz", "nope.gz"));
        assertTrue(e.getMessage().contains("has no entry for netboot/nope.gz"), e.getMessage());
    }

    @Test
    void mediaOnAnotherServerHasNoRelativePath() {
        assertNull(MediaFetcher.relativePath(URI.create("https://a.example/x/SHA256SUMS"), URI.create("https://b.example/x/f.iso")));
        assertNull(MediaFetcher.relativePath(URI.create("https://a.example/x/SHA256SUMS"), URI.create("https://a.example/y/f.iso")));
    }
}
