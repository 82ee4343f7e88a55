package io.ingot.sbom;

import io.ingot.template.Manifest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What changed from one template version to another: packages added, removed and changed (from their SBOMs), the
 * kernel, disk and RAM template sizes, and the build's inputs and lineage (from their manifests). A version without
 * an SBOM (built before ingot wrote them) has no package list: {@code packagesKnown} is false.
 */
public record VersionDiff(String from, String to, boolean packagesKnown, List<Component> added, List<Component> removed,
                          List<Change> changed, Change kernel, List<Change> facts) {

    /** A value that differs: a package's version ({@code name}) or a fact ({@code disk.virtualSize}, {@code recipeHash}). */
    public record Change(String name, String from, String to) { }

    public static VersionDiff of(Manifest a, Sbom sa, Manifest b, Sbom sb) {
        List<Component> added = new ArrayList<>();
        List<Component> removed = new ArrayList<>();
        List<Change> changed = new ArrayList<>();
        Change kernel = null;
        boolean known = sa != null && sb != null;
        if (known) {
            Map<String, Component> before = byKey(sa);
            Map<String, Component> after = byKey(sb);
            for (Component c : sb.packages()) {
                Component old = before.get(c.key());
                if (old == null) added.add(c);
                else if (!old.version().equals(c.version())) changed.add(new Change(c.name(), old.version(), c.version()));
            }
            for (Component c : sa.packages()) if (!after.containsKey(c.key())) removed.add(c);
            String ka = sa.kernel().map(Component::version).orElse(null);
            String kb = sb.kernel().map(Component::version).orElse(null);
            if (!Objects.equals(ka, kb)) kernel = new Change("kernel", ka, kb);
        }
        List<Change> facts = new ArrayList<>();
        fact(facts, "disk.virtualSize", a.disk() == null ? null : a.disk().virtualSize(), b.disk() == null ? null : b.disk().virtualSize());
        fact(facts, "disk.actualSize", a.disk() == null ? null : a.disk().actualSize(), b.disk() == null ? null : b.disk().actualSize());
        fact(facts, "ram.memory", ramSize(a), ramSize(b));
        fact(facts, "memoryMiB", a.memoryMiB(), b.memoryMiB());
        fact(facts, "recipeHash", a.recipeHash(), b.recipeHash());
        fact(facts, "mediaChecksum", a.mediaChecksum(), b.mediaChecksum());
        fact(facts, "qemuVersion", a.qemuVersion(), b.qemuVersion());
        fact(facts, "parent", a.parent(), b.parent());
        fact(facts, "lineage", lineage(a), lineage(b));
        return new VersionDiff(a.ref(), b.ref(), known, added, removed, changed, kernel, facts);
    }

    /** {@code +3 -1 ~12 packages}, or what else changed when the packages did not. */
    public String summary() {
        if (!packagesKnown) return "packages unknown (no SBOM)";
        String s = "+" + added.size() + " -" + removed.size() + " ~" + changed.size() + " packages";
        return kernel == null ? s : s + ", kernel " + kernel.to();
    }

    /** For people: one line per change. */
    public String toText() {
        StringBuilder b = new StringBuilder(from + " -> " + to + ": " + summary() + "\n");
        for (Component c : added) b.append("  + ").append(c.name()).append(' ').append(c.version()).append('\n');
        for (Component c : removed) b.append("  - ").append(c.name()).append(' ').append(c.version()).append('\n');
        for (Change c : changed) {
            String way = upgrade(c) ? "upgraded" : "downgraded";
            b.append("  ~ ").append(c.name()).append(' ').append(c.from()).append(" -> ").append(c.to()).append(" (").append(way).append(")\n");
        }
        if (kernel != null) b.append("  kernel ").append(kernel.from()).append(" -> ").append(kernel.to()).append('\n');
        for (Change c : facts) b.append("  ").append(c.name()).append(' ').append(c.from()).append(" -> ").append(c.to()).append('\n');
        return b.toString();
    }

    private static boolean upgrade(Change c) {
        try {
            return DpkgVersion.compare(c.from(), c.to()) < 0;
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static Map<String, Component> byKey(Sbom s) {
        Map<String, Component> m = new LinkedHashMap<>();
        for (Component c : s.packages()) m.put(c.key(), c);
        return m;
    }

    private static void fact(List<Change> facts, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) facts.add(new Change(name, a == null ? "none" : a.toString(), b == null ? "none" : b.toString()));
    }

    private static Long ramSize(Manifest m) {
        return m.ram() == null || m.ram().memoryFile() == null ? null : m.ram().memoryFile().size();
    }

    private static String lineage(Manifest m) {
        return m.lineage().isEmpty() ? null : String.join(" <- ", m.lineage().stream().map(Manifest.Ancestor::ref).toList());
    }
}
