package io.ingot.sbom;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * An offline vulnerability feed the user supplies, read into {@link Advisory advisories}: OSV records
 * (ossf.github.io/osv-schema: one record, a JSON list of them, a folder or a zip of {@code *.json} such as osv.dev's
 * {@code Debian/all.zip}) or Debian's security tracker JSON (security-tracker.debian.org/tracker/data/json: source
 * package, then CVE, then {@code releases.CODENAME {status, fixed_version, urgency}}).
 */
public final class Feeds {
    /** Debian's release names by VERSION_ID, for the tracker's per-release entries. */
    private static final Map<String, String> DEBIAN_RELEASES = Map.of("10", "buster", "11", "bullseye", "12", "bookworm",
            "13", "trixie", "14", "forky");

    private Feeds() { }

    public static List<Advisory> load(Path feed) throws IOException {
        if (!Files.exists(feed)) throw new UserError("no feed at " + feed);
        List<Advisory> out = new ArrayList<>();
        if (Files.isDirectory(feed)) {
            try (Stream<Path> files = Files.walk(feed)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json") && Files.isRegularFile(p)).sorted().toList()) {
                    read(Files.readAllBytes(f), f.toString(), out);
                }
            }
        } else if (feed.toString().endsWith(".zip")) {
            try (InputStream in = Files.newInputStream(feed); ZipInputStream zip = new ZipInputStream(in)) {
                for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                    if (!e.isDirectory() && e.getName().endsWith(".json")) read(zip.readAllBytes(), feed + "!" + e.getName(), out);
                }
            }
        } else {
            read(Files.readAllBytes(feed), feed.toString(), out);
        }
        return out;
    }

    static void read(byte[] json, String what, List<Advisory> out) {
        JsonNode root = Json.foreign(json, what);
        if (root.isArray()) {
            for (JsonNode r : root) osv(r, what, out);
        } else if (root.has("id") && (root.has("affected") || root.has("modified"))) {
            osv(root, what, out);
        } else if (root.isObject()) {
            tracker(root, what, out);
        } else {
            throw new UserError(what + ": neither OSV records nor Debian security tracker JSON");
        }
    }

    /** One OSV record: an advisory per affected package. */
    static void osv(JsonNode r, String what, List<Advisory> out) {
        String id = r.path("id").asText(null);
        if (id == null) throw new UserError(what + ": an OSV record without an id");
        Severity recordSeverity = severity(r);
        for (JsonNode a : r.path("affected")) {
            JsonNode pkg = a.path("package");
            String ecosystem = pkg.path("ecosystem").asText(null);
            String name = pkg.path("name").asText(null);
            if (ecosystem == null || name == null) throw new UserError(what + ": " + id + ": affected[].package needs ecosystem and name");
            List<Advisory.Range> ranges = new ArrayList<>();
            String fixed = null;
            for (JsonNode range : a.path("ranges")) {
                if ("GIT".equals(range.path("type").asText())) continue; // commits, not versions
                String introduced = null;
                for (JsonNode e : range.path("events")) {
                    if (e.has("introduced")) {
                        if (introduced != null) ranges.add(new Advisory.Range(introduced, null, null));
                        introduced = e.get("introduced").asText();
                    } else if (e.has("fixed") || e.has("last_affected")) {
                        String f = e.path("fixed").asText(null);
                        if (f != null && fixed == null) fixed = f;
                        ranges.add(new Advisory.Range(introduced, f, e.path("last_affected").asText(null)));
                        introduced = null;
                    }
                }
                if (introduced != null) ranges.add(new Advisory.Range(introduced, null, null));
            }
            List<String> versions = new ArrayList<>();
            a.path("versions").forEach(v -> versions.add(v.asText()));
            Severity s = severity(a);
            out.add(new Advisory(id, ecosystem, name, ranges, versions, s != Severity.UNKNOWN ? s : recordSeverity, fixed));
        }
    }

    /** {@code database_specific.severity}, {@code ecosystem_specific.severity} or {@code urgency}, else a CVSS score. */
    static Severity severity(JsonNode n) {
        for (String holder : new String[] {"database_specific", "ecosystem_specific"}) {
            for (String field : new String[] {"severity", "urgency"}) {
                JsonNode s = n.path(holder).path(field);
                if (s.isTextual() && Severity.of(s.asText()) != Severity.UNKNOWN) return Severity.of(s.asText());
            }
        }
        Severity best = Severity.UNKNOWN;
        for (JsonNode s : n.path("severity")) {
            Severity one = Cvss.severity(s.path("score").asText(""));
            if (one.compareTo(best) > 0) best = one;
        }
        return best;
    }

    /** Debian's tracker: per source package and CVE, the entry for each release whose VERSION_ID we know. */
    static void tracker(JsonNode root, String what, List<Advisory> out) {
        for (Iterator<Map.Entry<String, JsonNode>> pkgs = root.fields(); pkgs.hasNext(); ) {
            Map.Entry<String, JsonNode> pkg = pkgs.next();
            if (!pkg.getValue().isObject()) throw new UserError(what + ": " + pkg.getKey() + " is not a package entry of Debian's tracker JSON");
            for (Iterator<Map.Entry<String, JsonNode>> cves = pkg.getValue().fields(); cves.hasNext(); ) {
                Map.Entry<String, JsonNode> cve = cves.next();
                for (Map.Entry<String, String> release : DEBIAN_RELEASES.entrySet()) {
                    JsonNode r = cve.getValue().path("releases").path(release.getValue());
                    if (r.isMissingNode()) continue;
                    String status = r.path("status").asText("");
                    String fixed = r.path("fixed_version").asText(null);
                    Severity severity = Severity.of(r.path("urgency").asText(null));
                    List<Advisory.Range> ranges;
                    if (status.equals("open")) ranges = List.of(new Advisory.Range(null, null, null));
                    else if (status.equals("resolved") && fixed != null && !fixed.equals("0")) ranges = List.of(new Advisory.Range(null, fixed, null));
                    else continue; // not affected, or undetermined
                    out.add(new Advisory(cve.getKey(), "Debian:" + release.getKey(), pkg.getKey(), ranges, List.of(), severity,
                            status.equals("resolved") ? fixed : null));
                }
            }
        }
    }
}
