package io.ingot.daemon;

import io.ingot.catalog.CloneRecord;
import io.ingot.catalog.Deliveries;
import io.ingot.catalog.DeliveryRecord;
import io.ingot.catalog.Lineage;
import io.ingot.catalog.TemplateVersion;
import io.ingot.server.http.JsonBodies;
import io.ingot.images.ImageStore;
import io.ingot.template.TemplateRef;
import io.ingot.util.Conflict;
import io.ingot.util.NotFound;
import io.ingot.util.UserError;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The API's templates, versions, channels, revocations and clones (docs/api.md "Templates", "Clones"). */
public final class TemplatesApi {
    private static final Logger LOG = LoggerFactory.getLogger(TemplatesApi.class);

    /** {@code POST .../channels/CHANNEL} body. */
    public record Promote(Integer version) { }

    /** {@code POST .../revoke} body; {@code {}} revokes; {@code cascade} also revokes (or un-revokes) its descendants. */
    public record Revoke(Boolean revoked, Boolean cascade) { }

    private final ImageStore store;

    private final VersionChanges changes;

    public TemplatesApi(ImageStore store) {
        this.store = store;
        this.changes = new VersionChanges(store);
    }

    public List<Map<String, Object>> list() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String name : store.catalog().templateNames()) out.add(template(name));
        return out;
    }

    public Map<String, Object> template(@Header("name") String name) {
        List<TemplateVersion> versions = versionsOf(name);
        Map<String, String> parents = new Lineage(store.catalog()).parents();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("parent", parents.get(name));
        m.put("children", parents.entrySet().stream().filter(e -> e.getValue().equals(name)).map(Map.Entry::getKey).toList());
        m.put("channels", store.catalog().channels(name));
        m.put("versions", versions.stream().map(this::versionJson).toList());
        return m;
    }

    public List<Map<String, Object>> versions(@Header("name") String name) {
        return versionsOf(name).stream().map(this::versionJson).toList();
    }

    public Map<String, Integer> channels(@Header("name") String name) {
        versionsOf(name);
        return store.catalog().channels(name);
    }

    public Map<String, Object> version(@Header("name") String name, @Header("version") String version) {
        return versionJson(find(name, version));
    }

    public Map<String, Object> resolve(@Header("ref") String ref) {
        return versionJson(store.catalog().resolve(TemplateRef.parse(ref)));
    }

    public Map<String, Object> promote(@Header("name") String name, @Header("channel") String channel, @Body byte[] body) {
        TemplateRef.checkName(name, "template name");
        TemplateRef.checkName(channel, "channel name");
        Promote p = JsonBodies.read(body, Promote.class, "{\"version\": N}");
        if (p.version() == null) throw new UserError("body must be {\"version\": N}: no version");
        TemplateVersion v = store.catalog().version(name, p.version())
                .orElseThrow(() -> new NotFound("no template version " + name + ":" + p.version()));
        if (v.revoked()) throw new Conflict(v.ref() + " is revoked; a channel never points at a revoked version");
        store.catalog().promote(name, v.version(), channel);
        LOG.info("promoted {}@{} to {}", name, channel, v.version());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("template", name);
        m.put("channel", channel);
        m.put("version", v.version());
        return m;
    }

    public Map<String, Object> revoke(@Header("name") String name, @Header("version") String version, @Body byte[] body) {
        TemplateVersion v = find(name, version);
        Revoke r = JsonBodies.read(body, Revoke.class, "{} or {\"revoked\": true|false, \"cascade\": true|false}");
        boolean revoked = r.revoked() == null || r.revoked();
        store.catalog().revoke(v.name(), v.version(), revoked);
        LOG.info("{} {}", v.ref(), revoked ? "revoked" : "un-revoked");
        List<String> cascaded = new ArrayList<>();
        if (Boolean.TRUE.equals(r.cascade())) {
            for (TemplateVersion d : new Lineage(store.catalog()).descendants(v.ref())) {
                store.catalog().revoke(d.name(), d.version(), revoked);
                cascaded.add(d.ref());
            }
            if (!cascaded.isEmpty()) LOG.info("{} with {}: {}", revoked ? "revoked" : "un-revoked", v.ref(), String.join(", ", cascaded));
        }
        Map<String, Object> out = versionJson(store.catalog().version(v.name(), v.version()).orElseThrow());
        out.put("cascaded", cascaded);
        return out;
    }

    public List<Map<String, Object>> clones() {
        return store.catalog().clones().stream().map(TemplatesApi::cloneJson).toList();
    }

    /** A version named by the path's NAME and N; 400 for a bad name or number, 404 if there is none. */
    TemplateVersion find(String name, String version) {
        TemplateRef.checkName(name, "template name");
        if (version == null || !version.matches("\\d{1,9}")) throw new UserError("bad version '" + version + "': a number");
        int n = Integer.parseInt(version);
        return store.catalog().version(name, n).orElseThrow(() -> new NotFound("no template version " + name + ":" + n));
    }

    private List<TemplateVersion> versionsOf(String name) {
        TemplateRef.checkName(name, "template name");
        List<TemplateVersion> versions = store.catalog().versions(name);
        if (versions.isEmpty()) throw new NotFound("no template '" + name + "'");
        return versions;
    }

    private Map<String, Object> versionJson(TemplateVersion v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("version", v.version());
        m.put("ref", v.ref());
        m.put("revoked", v.revoked());
        m.put("created", v.created());
        m.put("buildId", v.buildId());
        m.put("storages", v.storages());
        m.put("ramTemplate", v.manifest().ram() != null);
        m.put("from", v.manifest().from());
        m.put("parent", v.manifest().parent());
        m.put("parentMoved", new Lineage(store.catalog()).parentMoved(v));
        m.put("lineage", v.manifest().lineage());
        m.put("clones", store.catalog().clonesOf(v.name(), v.version()).size());
        m.put("pushed", new Deliveries(store.catalog()).of(v.name(), v.version()).stream().map(TemplatesApi::deliveryJson).toList());
        m.put("packages", v.manifest().sbom() == null ? null : v.manifest().sbom().components());
        m.put("changes", changes.of(v).orElse(null));
        m.put("manifest", v.manifest());
        return m;
    }

    private static Map<String, Object> deliveryJson(DeliveryRecord d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", d.target());
        m.put("location", d.location());
        m.put("reference", d.reference());
        m.put("clone", d.cloneName());
        m.put("linked", d.linked());
        m.put("sha256", d.sha256());
        m.put("created", d.created());
        return m;
    }

    private static Map<String, Object> cloneJson(CloneRecord c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("template", c.template() + ":" + c.version());
        m.put("kind", c.kind().name().toLowerCase());
        m.put("storage", c.storage());
        m.put("created", c.created());
        return m;
    }
}
