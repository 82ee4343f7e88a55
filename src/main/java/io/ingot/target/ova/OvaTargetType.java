package io.ingot.target.ova;

import io.ingot.target.Target;
import io.ingot.target.TargetFeature;
import io.ingot.target.TargetFeatures;
import io.ingot.target.TargetType;
import io.ingot.target.TargetUri;
import io.ingot.util.UserError;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The OVA target: {@code ova:/PATH/FILE.ova[?name=NAME&force=true]}, one file holding the OVF descriptor, its
 * manifest and a stream-optimized VMDK. It takes full copies (the disk goes whole) and UEFI templates; nothing in an
 * OVA can read a base image elsewhere (no linked copies), and OVF has no place for a RAM template.
 */
public final class OvaTargetType implements TargetType {
    static final TargetFeatures FEATURES = TargetFeatures.of(TargetFeature.FULL, TargetFeature.UEFI);
    /** The file's name becomes the names inside the archive (ustar keeps 100 bytes): short, and safe in any tool. */
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\.ova");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Override public String name() { return "ova"; }

    @Override public boolean handles(String scheme) { return scheme.equals("ova"); }

    @Override public String example() { return "ova:/PATH/NAME.ova"; }

    @Override public TargetFeatures features() { return FEATURES; }

    @Override
    public Target open(TargetUri uri) {
        uri.allowOnly(Set.of("name", "force"));
        String rest = uri.rest();
        if (rest.startsWith("//")) rest = rest.substring(2); // ova:///tmp/x.ova, as a file: URI would have it
        Path file;
        try {
            file = Path.of(rest).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new UserError("target '" + uri.text() + "': not a path: " + e.getMessage());
        }
        if (rest.isEmpty() || file.getFileName() == null || !FILE.matcher(file.getFileName().toString()).matches()) {
            throw new UserError("target '" + uri.text() + "': expected ova:/PATH/NAME.ova, NAME of letters, digits, '.', '_', '-' (at most 64)");
        }
        String name = uri.get("name", null);
        if (name != null && !NAME.matcher(name).matches()) {
            throw new UserError("target '" + uri.text() + "': name is letters, digits, '.', '_', '-' (at most 64), not '" + name + "'");
        }
        String force = uri.get("force", "false");
        if (!force.equals("true") && !force.equals("false")) {
            throw new UserError("target '" + uri.text() + "': force is true or false, not '" + force + "'");
        }
        return new OvaTarget(this, uri.text(), file, name, force.equals("true"));
    }
}
