package io.ingot.trust;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.ingot.util.Json;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;

/**
 * DSSE (Dead Simple Signing Envelope, v1.0): the payload and its type signed together through the
 * pre-authentication encoding, so that a signature over one type of payload never passes for another.
 */
public final class Dsse {
    public static final String IN_TOTO = "application/vnd.in-toto+json";

    private Dsse() { }

    /** The envelope as it is written: payload base64 (standard alphabet, padded), one signature per key. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Envelope(String payload, String payloadType, List<Sig> signatures) {
        public Envelope {
            signatures = signatures == null ? List.of() : List.copyOf(signatures);
        }

        public byte[] body() {
            return Base64.getDecoder().decode(payload);
        }

        public byte[] toJson() {
            try {
                return Json.PRETTY.writeValueAsBytes(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    public record Sig(String keyid, String sig) { }

    /** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body; LEN in ASCII decimal bytes. */
    public static byte[] pae(String payloadType, byte[] body) {
        byte[] type = payloadType.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + type.length + 32);
        out.writeBytes(("DSSEv1 " + type.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(type);
        out.writeBytes((" " + body.length + " ").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(body);
        return out.toByteArray();
    }

    public static Envelope sign(String payloadType, byte[] body, PrivateKey key, String keyId) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(pae(payloadType, body));
            return new Envelope(Base64.getEncoder().encodeToString(body), payloadType,
                    List.of(new Sig(keyId, Base64.getEncoder().encodeToString(s.sign()))));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 signing failed", e);
        }
    }

    /** Whether {@code sig} (base64) is {@code key}'s Ed25519 signature of the envelope's PAE. */
    public static boolean verifies(Envelope e, String sig, PublicKey key) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(pae(e.payloadType(), e.body()));
            return s.verify(Base64.getDecoder().decode(sig));
        } catch (GeneralSecurityException | IllegalArgumentException ex) {
            return false;
        }
    }
}
