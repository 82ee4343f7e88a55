package io.ingot.target.glance;

import io.ingot.qemu.QemuImg;
import io.ingot.storage.RbdStorage;
import io.ingot.storage.StorageBackend;
import io.ingot.storage.StorageConfig;
import io.ingot.storage.Storages;
import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.TargetFeatures;
import io.ingot.target.TargetType;
import io.ingot.target.TargetUri;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Set;

/**
 * The OpenStack Glance target: {@code glance+http://HOST:PORT[/PATH]?name=N&visibility=V&disk_format=qcow2|raw&os_distro=D}
 * (or {@code glance+https}), Glance's v2 image API at that endpoint; with {@code rbd=STORAGE&pool=POOL} (default
 * images) the image goes into Glance's rbd layout in that ingot rbd storage's Ceph cluster instead of through Glance. A Glance image is a copy of its own: full
 * copies and UEFI templates, never linked clones nor a RAM template.
 */
public final class GlanceTargetType implements TargetType {
    static final TargetFeatures FEATURES = TargetFeatures.of(TargetFeature.FULL, TargetFeature.UEFI);
    static final Set<String> OPTIONS = Set.of("name", "visibility", "disk_format", "os_distro", "rbd", "pool");
    static final List<String> VISIBILITIES = List.of("private", "shared", "community", "public");
    static final List<String> DISK_FORMATS = List.of("qcow2", "raw");

    @Override public String name() { return "glance"; }

    @Override public boolean handles(String scheme) { return scheme.equals("glance+http") || scheme.equals("glance+https"); }

    @Override public String example() { return "glance+http://HOST:9292?name=NAME"; }

    @Override public TargetFeatures features() { return FEATURES; }

    @Override
    public Target open(TargetUri uri) {
        Options o = options(uri);
        GlanceRbd rbd = null;
        if (o.rbdStorage() != null) {
            // the storage as ingot's commands read storage.yaml (INGOT_IMAGES or -Dingot.images)
            StorageBackend b = new Storages(StorageConfig.load(IngotPaths.fromEnvironment().images()), new QemuImg()).get(o.rbdStorage());
            if (!(b instanceof RbdStorage r)) {
                throw new UserError("target '" + uri.text() + "': storage '" + o.rbdStorage() + "' is of type " + b.type() + ", not rbd");
            }
            RbdStorage.Cluster c = r.cluster();
            rbd = new GlanceRbd(o.rbdStorage(), new RbdStorage.Cluster(o.rbdPool(), c.conf(), c.client(), c.keyring()));
        }
        return new GlanceTarget(this, o, new GlanceClient(o.endpoint(), System.getenv("OS_AUTH_TOKEN")), rbd);
    }

    /** What a glance URI says: the endpoint (http or https, no query) and the options for the image. */
    record Options(URI endpoint, String location, String name, String visibility, String diskFormat, String osDistro,
                   String rbdStorage, String rbdPool) { }

    static Options options(TargetUri uri) {
        uri.allowOnly(OPTIONS);
        String scheme = uri.scheme().substring("glance+".length());
        URI endpoint;
        try {
            endpoint = new URI(scheme + ":" + uri.rest());
        } catch (URISyntaxException e) {
            throw new UserError("target '" + uri.text() + "': not an endpoint: " + e.getReason());
        }
        if (!uri.rest().startsWith("//") || endpoint.getHost() == null) {
            throw new UserError("target '" + uri.text() + "': expected " + uri.scheme() + "://HOST[:PORT][/PATH], Glance's endpoint");
        }
        if (endpoint.getUserInfo() != null) {
            throw new UserError("target '" + uri.text() + "': no user or password in the URI; a Keystone token goes in OS_AUTH_TOKEN");
        }
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath().replaceAll("/+$", "");
        URI base = URI.create(scheme + "://" + endpoint.getRawAuthority() + path);
        String visibility = uri.get("visibility", null);
        if (visibility != null && !VISIBILITIES.contains(visibility)) {
            throw new UserError("target '" + uri.text() + "': visibility is one of " + String.join(", ", VISIBILITIES) + ", not '" + visibility + "'");
        }
        String rbd = uri.get("rbd", null);
        if (rbd == null && uri.query().containsKey("pool")) throw new UserError("target '" + uri.text() + "': pool is Glance's rbd pool; give rbd=STORAGE too");
        if (rbd != null && "qcow2".equals(uri.query().get("disk_format"))) {
            throw new UserError("target '" + uri.text() + "': an rbd location holds a raw image; drop disk_format=qcow2");
        }
        String format = uri.get("disk_format", rbd != null ? "raw" : "qcow2");
        if (!DISK_FORMATS.contains(format)) {
            throw new UserError("target '" + uri.text() + "': disk_format is qcow2 or raw, not '" + format + "'");
        }
        return new Options(base, uri.scheme() + "://" + endpoint.getRawAuthority() + path, uri.get("name", null), visibility, format,
                uri.get("os_distro", null), rbd, uri.get("pool", "images"));
    }
}
