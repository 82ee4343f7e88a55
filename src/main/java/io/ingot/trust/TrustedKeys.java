package io.ingot.trust;

import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The public keys whose signatures this site accepts, by key id: its own and every {@code *.pem} in {@code images/trust/}. */
public final class TrustedKeys {
    private final Map<String, PublicKey> keys;
    private final Map<String, String> sources;

    private TrustedKeys(Map<String, PublicKey> keys, Map<String, String> sources) {
        this.keys = Map.copyOf(keys);
        this.sources = Map.copyOf(sources);
    }

    public static TrustedKeys load(PublicKey site, Path trustDir) throws IOException {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        if (site != null) {
            keys.put(KeyFiles.keyId(site), site);
            sources.put(KeyFiles.keyId(site), "this site's key");
        }
        if (Files.isDirectory(trustDir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(trustDir)) {
                files = s.filter(p -> p.getFileName().toString().endsWith(".pem")).sorted().toList();
            }
            for (Path f : files) {
                PublicKey k = KeyFiles.parsePublic(Files.readString(f), f.toString());
                keys.putIfAbsent(KeyFiles.keyId(k), k);
                sources.putIfAbsent(KeyFiles.keyId(k), f.toString());
            }
        }
        return new TrustedKeys(keys, sources);
    }

    public Optional<PublicKey> get(String keyId) {
        return Optional.ofNullable(keyId == null ? null : keys.get(keyId));
    }

    /** Where a trusted key comes from: "this site's key" or its file. */
    public String source(String keyId) {
        return sources.get(keyId);
    }

    public Map<String, String> all() {
        return sources;
    }

    /** A key for a test of the pure parts: trusts exactly these. */
    public static TrustedKeys of(PublicKey... trusted) {
        Map<String, PublicKey> keys = new LinkedHashMap<>();
        Map<String, String> sources = new LinkedHashMap<>();
        for (PublicKey k : trusted) {
            keys.put(KeyFiles.keyId(k), k);
            sources.put(KeyFiles.keyId(k), "given");
        }
        if (keys.isEmpty()) throw new UserError("no trusted key");
        return new TrustedKeys(keys, sources);
    }
}
