package io.ingot.trust;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.Sha256;
import io.ingot.util.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Signs a template version's files with this site's key ({@value #ENVELOPE} beside them: a DSSE envelope of an
 * in-toto statement whose subjects are every other file of the version) and checks a version's envelope against
 * the trusted keys. A refusal is one line: the version, the key id and why.
 */
public final class VersionTrust {
    public static final String ENVELOPE = "provenance.dsse.json";

    private final SiteKey siteKey;
    private final Path trustDir;

    public VersionTrust(Path keysDir, Path trustDir) {
        this.siteKey = new SiteKey(keysDir, trustDir);
        this.trustDir = trustDir;
    }

    public SiteKey siteKey() { return siteKey; }

    public Path trustDir() { return trustDir; }

    /** {@code require} of {@code images/trust.yaml} (beside the trust folder): signed (default) or none. */
    public TrustPolicy policy() throws IOException {
        Path file = trustDir.resolveSibling("trust.yaml");
        if (!Files.isRegularFile(file)) return TrustPolicy.SIGNED;
        JsonNode config;
        try {
            config = Json.YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError(file + ": " + e.getMessage().lines().findFirst().orElse("unreadable"));
        }
        return TrustPolicy.parse(config == null ? null : config.path("require").asText(null), file.toString());
    }

    /** This site's key and the keys in the trust folder (the site key only once it exists: verifying makes none). */
    public TrustedKeys trusted() throws IOException {
        return TrustedKeys.load(Files.isRegularFile(siteKey.file()) ? siteKey.load().getPublic() : null, trustDir);
    }

    /**
     * Writes the envelope into {@code dir}, over every regular file there but the envelope; {@code known} gives
     * digests this process computed of the same bytes already (a base image it converted), the rest are hashed.
     * Returns the key id.
     */
    public String sign(Path dir, Map<String, String> known, JsonNode predicate) throws IOException {
        Map<String, String> subjects = digests(dir, known);
        KeyPair kp = siteKey.load();
        String keyId = KeyFiles.keyId(kp.getPublic());
        Dsse.Envelope e = Dsse.sign(Dsse.IN_TOTO, Provenance.statement(subjects, predicate), kp.getPrivate(), keyId);
        Files.write(dir.resolve(ENVELOPE), e.toJson());
        return keyId;
    }

    /** Signs another payload (a revocation list) with the site key. */
    public Dsse.Envelope signPayload(String type, byte[] body) throws IOException {
        KeyPair kp = siteKey.load();
        return Dsse.sign(type, body, kp.getPrivate(), KeyFiles.keyId(kp.getPublic()));
    }

    /** Every regular file under {@code dir} but the envelope, by name relative to it ('/'-separated), with its sha256. */
    public static Map<String, String> digests(Path dir, Map<String, String> known) throws IOException {
        Map<String, String> out = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        for (Path p : files) {
            String name = dir.relativize(p).toString().replace('\\', '/');
            if (name.equals(ENVELOPE)) continue;
            String sha = known.get(name);
            out.put(name, sha != null ? sha : Sha256.of(p));
        }
        return out;
    }

    /**
     * Checks a version that comes in: {@code envelope} (null: the version has none) must be signed by a trusted key
     * and name exactly {@code files} (name -> sha256 of what is here) as its subjects. Under {@link TrustPolicy#NONE}
     * a version without an envelope passes (empty); a bad envelope never does.
     */
    public Optional<Verified> check(String of, byte[] envelope, Map<String, String> files, TrustPolicy policy) throws IOException {
        if (envelope == null) {
            if (policy == TrustPolicy.NONE) return Optional.empty();
            throw new Refused(of + ": refused: not signed (no " + ENVELOPE + "; trust.require is signed: --allow-unsigned accepts it)");
        }
        return Optional.of(verify(of, envelope, files, trusted()));
    }

    /** {@link #check} of a version folder here ({@code ingot verify}): every file hashed again. */
    public Verified verifyDir(String of, Path dir) throws IOException {
        Path env = dir.resolve(ENVELOPE);
        if (!Files.isRegularFile(env)) throw new Refused(of + ": not signed (no " + ENVELOPE + " in " + dir + ")");
        return verify(of, Files.readAllBytes(env), digests(dir, Map.of()), trusted());
    }

    /** The envelope's signature by a key of {@code keys} over a statement naming exactly {@code files}. */
    public static Verified verify(String of, byte[] envelopeJson, Map<String, String> files, TrustedKeys keys) {
        Dsse.Envelope e;
        JsonNode statement;
        try {
            e = Json.MAPPER.treeToValue(Json.foreign(envelopeJson, ENVELOPE + " of " + of), Dsse.Envelope.class);
            if (!Dsse.IN_TOTO.equals(e.payloadType()) || e.payload() == null) {
                throw new Refused(of + ": refused: " + ENVELOPE + " is not an in-toto envelope (payloadType " + e.payloadType() + ")");
            }
            statement = Json.foreign(e.body(), "the statement in " + ENVELOPE + " of " + of);
        } catch (IOException | IllegalArgumentException ex) {
            throw new Refused(of + ": refused: " + ENVELOPE + " does not read as a DSSE envelope (" + ex.getMessage() + ")");
        }
        if (e.signatures().isEmpty()) throw new Refused(of + ": refused: " + ENVELOPE + " holds no signature");
        String unknown = null;
        Dsse.Sig good = null;
        for (Dsse.Sig s : e.signatures()) {
            var key = keys.get(s.keyid());
            if (key.isEmpty()) {
                unknown = s.keyid();
                continue;
            }
            if (!Dsse.verifies(e, s.sig(), key.get())) {
                throw new Refused(of + ": refused: bad signature by key " + s.keyid() + " (the envelope was altered or not signed by that key)");
            }
            good = s;
            break;
        }
        if (good == null) {
            throw new Refused(of + ": refused: signed by unknown key " + unknown + " (not this site's key, not in images/trust/)");
        }
        if (!Provenance.STATEMENT_TYPE.equals(statement.path("_type").asText())
                || !Provenance.PREDICATE_TYPE.equals(statement.path("predicateType").asText())) {
            throw new Refused(of + ": refused: the signed statement is not an in-toto v1 statement of SLSA provenance v1 (key " + good.keyid() + ")");
        }
        Map<String, String> signed = new TreeMap<>();
        for (JsonNode s : statement.path("subject")) signed.put(s.path("name").asText(), s.path("digest").path("sha256").asText());
        for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
            String want = signed.get(f.getKey());
            if (want == null) throw new Refused(of + ": refused: " + f.getKey() + " is not among the files key " + good.keyid() + " signed");
            if (!want.equals(f.getValue())) {
                throw new Refused(of + ": refused: file digest mismatch: " + f.getKey() + " has sha256 " + f.getValue()
                        + ", key " + good.keyid() + " signed " + want);
            }
        }
        for (String name : signed.keySet()) {
            if (!files.containsKey(name)) throw new Refused(of + ": refused: " + name + ", signed by key " + good.keyid() + ", is missing");
        }
        JsonNode predicate = statement.path("predicate");
        return new Verified(good.keyid(), keys.source(good.keyid()), Provenance.builder(predicate), predicate);
    }

    /** A version refused for its signature: refused again however often it is fetched. */
    public static final class Refused extends UserError {
        public Refused(String message) { super(message); }
    }
}
