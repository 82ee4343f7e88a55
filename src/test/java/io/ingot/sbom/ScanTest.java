package io.ingot.sbom;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScanTest {
    private static final Component SSH = new Component(Component.LIBRARY, "openssh-server", "1:9.2p1-2+deb12u2", "amd64", "Debian:12",
            "pkg:deb/debian/openssh-server@1:9.2p1-2%2Bdeb12u2?arch=amd64&distro=debian-12", "openssh", "1:9.2p1-2+deb12u2");
    private static final Component JQ = new Component(Component.LIBRARY, "jq", "1.6-2.1", "amd64", "Debian:12",
            "pkg:deb/debian/jq@1.6-2.1?arch=amd64&distro=debian-12", "jq", "1.6-2.1");
    private static final Component KERNEL = new Component(Component.OPERATING_SYSTEM, "linux", "6.1.0-18-amd64", "x86_64", "Linux",
            "pkg:generic/linux@6.1.0-18-amd64", null, null);
    private static final Sbom SBOM = new Sbom("urn:uuid:1", "t:1", Instant.EPOCH, List.of(SSH, JQ, KERNEL));

    private static List<Advisory> feed(String json) {
        List<Advisory> out = new ArrayList<>();
        Feeds.read(json.getBytes(StandardCharsets.UTF_8), "feed.json", out);
        return out;
    }

    @Test
    void osvRangesMatchBySourcePackageAndDpkgOrder() {
        List<Advisory> a = feed("""
                [{"id": "CVE-2024-6387", "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssh"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2+deb12u3"}]}]}],
                  "database_specific": {"severity": "HIGH"}},
                 {"id": "CVE-2023-0001", "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssh"},
                  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1:9.2p1-2"}]}]}]},
                 {"id": "CVE-2023-0002", "affected": [{"package": {"ecosystem": "Debian:11", "name": "jq"}, "versions": ["1.6-2.1"]}]},
                 {"id": "CVE-2023-0003", "affected": [{"package": {"ecosystem": "Debian", "name": "jq"}, "versions": ["1.6-2.1"]}],
                  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]}]
                """);
        List<Finding> f = Scan.of(SBOM, a);
        assertEquals(List.of("jq CVE-2023-0003 critical", "openssh-server CVE-2024-6387 high"),
                f.stream().map(x -> x.component().name() + " " + x.id() + " " + x.severity().label()).toList(),
                "fixed before the installed version: not a finding; another release's: not a finding; 'Debian' covers Debian:12");
        assertEquals("1:9.2p1-2+deb12u3", f.get(1).fixedVersion());
        assertTrue(f.get(1).describe().contains("openssh-server 1:9.2p1-2+deb12u2 CVE-2024-6387 high (fixed in 1:9.2p1-2+deb12u3)"));
    }

    @Test
    void theKernelIsOsvsLinuxKernel() {
        List<Finding> f = Scan.of(SBOM, feed("""
                {"id": "CVE-2024-1086", "modified": "2024-01-01T00:00:00Z",
                 "affected": [{"package": {"ecosystem": "Linux", "name": "Kernel"},
                   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "5.14"}, {"fixed": "6.2"}]}]}],
                 "database_specific": {"severity": "CRITICAL"}}
                """));
        assertEquals(1, f.size());
        assertEquals(Severity.CRITICAL, f.get(0).severity());
    }

    @Test
    void debianTrackerEntriesForTheReleaseOnly() {
        List<Finding> f = Scan.of(SBOM, feed("""
                {"openssh": {
                   "CVE-2024-6387": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1:9.2p1-2+deb12u3", "urgency": "high"},
                                                 "bullseye": {"status": "open", "urgency": "high"}}},
                   "CVE-2008-3844": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "0", "urgency": "unimportant"}}},
                   "CVE-2023-9999": {"releases": {"bookworm": {"status": "open", "urgency": "low**"}}}},
                 "jq": {"CVE-2015-8863": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "1.5+dfsg-1", "urgency": "low"}}}}}
                """));
        assertEquals(List.of("CVE-2024-6387 high 1:9.2p1-2+deb12u3", "CVE-2023-9999 low null"),
                f.stream().map(x -> x.id() + " " + x.severity().label() + " " + x.fixedVersion()).toList());
    }

    @Test
    void theGateStopsAboveItsLevelUnlessAllowed() {
        List<Finding> f = List.of(new Finding(SSH, "CVE-A", Severity.CRITICAL, null), new Finding(JQ, "CVE-B", Severity.HIGH, "2"),
                new Finding(JQ, "CVE-C", Severity.UNKNOWN, null));
        assertEquals(List.of("CVE-A"), Scan.blocking(f, Severity.HIGH, List.of()).stream().map(Finding::id).toList());
        assertEquals(List.of(), Scan.blocking(f, Severity.HIGH, List.of("CVE-A")));
        assertEquals(List.of("CVE-A", "CVE-B"), Scan.blocking(f, Severity.MEDIUM, List.of()).stream().map(Finding::id).toList());
        assertEquals(3, Scan.blocking(f, Severity.NONE, List.of()).size(), "none: every finding stops, unknown ones too");
    }

    @Test
    void cvssBaseScores() {
        assertEquals(9.8, Cvss.baseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
        assertEquals(8.1, Cvss.baseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H")); // regreSSHion
        assertEquals(10.0, Cvss.baseScore("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"));
        assertEquals(Severity.MEDIUM, Cvss.severity("5.3"));
        assertEquals(Severity.UNKNOWN, Cvss.severity("CVSS:4.0/AV:N"));
    }

    @Test
    void aFolderOrAZipOfRecordsAndClearErrors(@TempDir Path tmp) throws Exception {
        String rec = "{\"id\": \"X-1\", \"affected\": [{\"package\": {\"ecosystem\": \"Debian\", \"name\": \"jq\"}, \"versions\": [\"1.6-2.1\"]}]}";
        Files.createDirectories(tmp.resolve("dir/sub"));
        Files.writeString(tmp.resolve("dir/sub/X-1.json"), rec);
        assertEquals(1, Feeds.load(tmp.resolve("dir")).size());
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(tmp.resolve("all.zip")))) {
            z.putNextEntry(new ZipEntry("X-1.json"));
            z.write(rec.getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("X-1", Feeds.load(tmp.resolve("all.zip")).get(0).id());
        Files.writeString(tmp.resolve("bad.json"), "{\"id\": \"X\", \"affected\": [{\"package\": {}}]}");
        UserError e = assertThrows(UserError.class, () -> Feeds.load(tmp.resolve("bad.json")));
        assertTrue(e.getMessage().contains("bad.json: X: affected[].package needs ecosystem and name"), e.getMessage());
        assertThrows(UserError.class, () -> Feeds.load(tmp.resolve("missing.json")));
        Files.writeString(tmp.resolve("notjson.json"), "[1,");
        assertThrows(UserError.class, () -> Feeds.load(tmp.resolve("notjson.json")));
    }
}
