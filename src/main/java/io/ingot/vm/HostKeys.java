package io.ingot.vm;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.digest.BuiltinDigests;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A clone's SSH host keys, made by ingot at native speed instead of by the guest (seconds under emulation).
 * They reach the guest in cloud-init's {@code ssh_keys} form ({@code ed25519_private}, {@code ed25519_public},
 * {@code ecdsa_private}, ...: private keys in OpenSSH format) and, for a memory clone's {@code onRestore}, as
 * environment variables; ingot then trusts exactly these keys when it connects.
 */
public record HostKeys(List<HostKey> keys) {
    /** One host key: its cloud-init type name ({@code ed25519}, {@code ecdsa}), private key file text, public key line. */
    public record HostKey(String type, String privateKey, String publicKey) {
        public PublicKey decodedPublicKey() {
            try {
                return PublicKeyEntry.parsePublicKeyEntry(publicKey).resolvePublicKey(null, Map.of(), null);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("host key " + type + " does not decode: " + e.getMessage(), e);
            }
        }

        /** {@code SHA256:...}, as {@code ssh-keygen -l} prints it. */
        public String fingerprint() {
            return KeyUtils.getFingerPrint(BuiltinDigests.sha256, decodedPublicKey());
        }
    }

    public HostKeys {
        keys = List.copyOf(keys);
    }

    /** New ed25519 and ecdsa (nistp256) host keys; no RSA: slow to make, and not needed. */
    public static HostKeys generate(String comment) {
        try {
            return new HostKeys(List.of(key("ed25519", KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256), comment),
                    key("ecdsa", KeyUtils.generateKeyPair(KeyPairProvider.ECDSA_SHA2_NISTP256, 256), comment)));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot make host keys: " + e.getMessage(), e);
        }
    }

    private static HostKey key(String type, KeyPair pair, String comment) throws IOException, GeneralSecurityException {
        ByteArrayOutputStream encoded = new ByteArrayOutputStream();
        OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, encoded);
        return new HostKey(type, encoded.toString(StandardCharsets.US_ASCII), PublicKeyEntry.toString(pair.getPublic()) + " " + comment);
    }

    /** cloud-init's {@code ssh_keys} mapping: {@code TYPE_private} and {@code TYPE_public} for each key. */
    public Map<String, String> cloudInit() {
        Map<String, String> out = new LinkedHashMap<>();
        for (HostKey k : keys) {
            out.put(k.type() + "_private", k.privateKey());
            out.put(k.type() + "_public", k.publicKey());
        }
        return out;
    }

    /** Read back from a {@link #cloudInit()} mapping (types in the mapping's order). */
    public static HostKeys fromCloudInit(Map<?, ?> sshKeys) {
        List<HostKey> keys = new ArrayList<>();
        for (Map.Entry<?, ?> e : sshKeys.entrySet()) {
            String name = String.valueOf(e.getKey());
            if (!name.endsWith("_private")) continue;
            String type = name.substring(0, name.length() - "_private".length());
            Object pub = sshKeys.get(type + "_public");
            if (pub != null) keys.add(new HostKey(type, String.valueOf(e.getValue()), String.valueOf(pub)));
        }
        return new HostKeys(keys);
    }

    /**
     * For {@code onRestore}: {@code INGOT_HOST_KEYS} lists the types ("ed25519 ecdsa"); {@code INGOT_HOST_KEY_<TYPE>}
     * holds each private key (OpenSSH format, as cloud-init's {@code <type>_private}),
     * {@code INGOT_HOST_KEY_<TYPE>_PUB} its public key line, and {@code INGOT_HOST_KEY_ED25519_DROPBEAR} the ed25519
     * key in dropbear's format, base64 ({@code _DROPBEAR_OCTAL}: the same bytes as printf escapes).
     */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("INGOT_HOST_KEYS", String.join(" ", keys.stream().map(HostKey::type).toList()));
        for (HostKey k : keys) {
            String name = "INGOT_HOST_KEY_" + k.type().toUpperCase(Locale.ROOT);
            env.put(name, k.privateKey());
            env.put(name + "_PUB", k.publicKey());
            if (k.type().equals("ed25519")) {
                byte[] dropbear = dropbearEd25519(k.privateKey());
                env.put(name + "_DROPBEAR", Base64.getEncoder().encodeToString(dropbear));
                env.put(name + "_DROPBEAR_OCTAL", octalEscapes(dropbear));
            }
        }
        return env;
    }

    /** Every byte as {@code \NNN}: a format the shell's own {@code printf} turns back into the bytes. */
    static String octalEscapes(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 4);
        for (byte b : bytes) sb.append('\\').append(String.format("%03o", b & 0xff));
        return sb.toString();
    }

    /**
     * An ed25519 key as dropbear's host key file holds it (string "ssh-ed25519", string of the 32-byte seed and
     * the 32-byte public key), from its OpenSSH private key file: a guest with dropbear installs it with
     * {@code base64 -d} instead of starting {@code dropbearconvert}, which under emulation costs ~0.1 s.
     */
    static byte[] dropbearEd25519(String openSshPrivateKey) {
        String body = openSshPrivateKey.lines().filter(l -> !l.startsWith("-----")).collect(Collectors.joining());
        ByteBuffer in = ByteBuffer.wrap(Base64.getDecoder().decode(body));
        byte[] magic = "openssh-key-v1\0".getBytes(StandardCharsets.US_ASCII);
        byte[] seen = new byte[magic.length];
        in.get(seen);
        if (!Arrays.equals(seen, magic)) throw new IllegalArgumentException("not an OpenSSH private key");
        if (!"none".equals(text(in)) || !"none".equals(text(in))) throw new IllegalArgumentException("an encrypted private key");
        string(in); // kdf options
        if (in.getInt() != 1) throw new IllegalArgumentException("not exactly one key");
        string(in); // public key blob
        ByteBuffer priv = ByteBuffer.wrap(string(in));
        priv.getInt(); priv.getInt(); // check integers
        if (!"ssh-ed25519".equals(text(priv))) throw new IllegalArgumentException("not an ed25519 key");
        string(priv); // public key
        byte[] secret = string(priv); // seed || public key
        if (secret.length != 64) throw new IllegalArgumentException("an ed25519 secret of " + secret.length + " bytes");
        byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(4 + type.length + 4 + secret.length)
                .putInt(type.length).put(type).putInt(secret.length).put(secret).array();
    }

    private static byte[] string(ByteBuffer in) {
        byte[] b = new byte[in.getInt()];
        in.get(b);
        return b;
    }

    private static String text(ByteBuffer in) {
        return new String(string(in), StandardCharsets.US_ASCII);
    }

    public List<PublicKey> publicKeys() {
        return keys.stream().map(HostKey::decodedPublicKey).toList();
    }

    /** The key of the same SSH key type as {@code seen} (a key the guest showed before), if there is one. */
    public Optional<HostKey> sameTypeAs(PublicKey seen) {
        String type = KeyUtils.getKeyType(seen);
        return keys.stream().filter(k -> type.equals(KeyUtils.getKeyType(k.decodedPublicKey()))).findFirst();
    }
}
