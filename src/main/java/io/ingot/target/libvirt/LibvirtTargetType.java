package io.ingot.target.libvirt;

import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.TargetFeatures;
import io.ingot.target.TargetType;
import io.ingot.target.TargetUri;
import io.ingot.util.UserError;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The libvirt target: {@code libvirt:///system?pool=default&name=web1} (that is {@code qemu:///system}), or
 * libvirt's own URIs ({@code qemu:///system?...}, {@code qemu+ssh://host/system?...}) handed to {@code virsh -c}.
 * It takes linked and full clones and UEFI templates; a RAM template's memory cannot go to a libvirt domain.
 */
public final class LibvirtTargetType implements TargetType {
    static final TargetFeatures FEATURES = TargetFeatures.of(TargetFeature.LINKED, TargetFeature.FULL, TargetFeature.UEFI);
    /** ingot's options; the others are libvirt's own URI parameters, passed on to virsh. */
    private static final Set<String> OPTIONS = Set.of("pool", "name", "network", "type", "run-as");
    private static final Set<String> LIBVIRT_PARAMS = Set.of("socket", "keyfile", "no_verify", "no_tty", "mode", "proxy",
            "command", "sshauth", "known_hosts", "netcat");
    private static final Pattern QEMU_SCHEME = Pattern.compile("qemu(\\+[a-z0-9]+)?");

    @Override public String name() { return "libvirt"; }

    @Override public boolean handles(String scheme) { return scheme.equals("libvirt") || QEMU_SCHEME.matcher(scheme).matches(); }

    @Override public String example() { return "libvirt:///system?pool=default&name=NAME"; }

    @Override public TargetFeatures features() { return FEATURES; }

    @Override
    public Target open(TargetUri uri) {
        Set<String> known = new java.util.HashSet<>(OPTIONS);
        known.addAll(LIBVIRT_PARAMS);
        uri.allowOnly(known);
        String rest = uri.rest();
        if (!rest.startsWith("//")) throw new UserError("target '" + uri.text() + "': expected " + uri.scheme() + "://[HOST]/system or /session");
        String path = rest.substring(rest.indexOf('/', 2) < 0 ? rest.length() : rest.indexOf('/', 2));
        if (!path.equals("/system") && !path.equals("/session")) {
            throw new UserError("target '" + uri.text() + "': libvirt's QEMU driver is /system or /session, not '" + path + "'");
        }
        // libvirt:// is ingot's spelling of libvirt's QEMU driver: qemu://
        String scheme = uri.scheme().equals("libvirt") ? "qemu" : uri.scheme();
        Map<String, String> passed = new LinkedHashMap<>();
        uri.query().forEach((k, v) -> { if (LIBVIRT_PARAMS.contains(k)) passed.put(k, v); });
        StringBuilder connect = new StringBuilder(scheme + ":" + rest);
        passed.forEach((k, v) -> connect.append(connect.indexOf("?") < 0 ? '?' : '&').append(k).append('=').append(v));
        String type = uri.get("type", null);
        if (type != null && !type.equals("kvm") && !type.equals("qemu")) {
            throw new UserError("target '" + uri.text() + "': type is kvm or qemu (TCG), not '" + type + "'");
        }
        String runAs = uri.get("run-as", null);
        if (runAs != null && !runAs.equals("root")) {
            throw new UserError("target '" + uri.text() + "': run-as is root, or left out for the user of libvirt's qemu.conf");
        }
        boolean local = rest.startsWith("///");
        return new LibvirtTarget(this, new Virsh(connect.toString()), uri.get("pool", "default"), uri.get("name", null),
                uri.get("network", null), type, local, runAs != null);
    }
}
