package io.ingot.trust;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Json;
import io.ingot.util.UserError;

import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

/**
 * A template's revoked versions as they travel with it (beside its versions in a bucket), in a DSSE envelope signed
 * by the site that pushed them: a version it names stays revoked where it is pulled.
 */
public final class Revocations {
    public static final String FILE = "revoked.dsse.json";
    public static final String PAYLOAD_TYPE = "application/vnd.ingot.revocations+json";

    private Revocations() { }

    public static byte[] body(String template, Set<Integer> revoked) {
        try {
            return Json.MAPPER.writeValueAsBytes(Json.MAPPER.createObjectNode().put("template", template)
                    .set("revoked", Json.MAPPER.valueToTree(new TreeSet<>(revoked))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The revoked versions of {@code template} an envelope names, once its signature by a trusted key checks. */
    public static Set<Integer> read(String template, byte[] envelopeJson, TrustedKeys keys, String where) {
        String what = FILE + " of " + template + " in " + where;
        Dsse.Envelope e;
        try {
            e = Json.MAPPER.treeToValue(Json.foreign(envelopeJson, what), Dsse.Envelope.class);
        } catch (IOException ex) {
            throw new UserError(what + ": not a DSSE envelope");
        }
        if (!PAYLOAD_TYPE.equals(e.payloadType())) throw new UserError(what + ": payloadType " + e.payloadType() + ", not " + PAYLOAD_TYPE);
        boolean good = false;
        String unknown = null;
        for (Dsse.Sig s : e.signatures()) {
            var key = keys.get(s.keyid());
            if (key.isEmpty()) {
                unknown = s.keyid();
            } else if (Dsse.verifies(e, s.sig(), key.get())) {
                good = true;
            } else {
                throw new VersionTrust.Refused(what + ": refused: bad signature by key " + s.keyid());
            }
        }
        if (!good) throw new VersionTrust.Refused(what + ": refused: signed by unknown key " + unknown + " (not this site's key, not in images/trust/)");
        JsonNode body;
        try {
            body = Json.foreign(e.body(), what);
        } catch (IllegalArgumentException ex) {
            throw new UserError(what + ": payload not base64");
        }
        if (!template.equals(body.path("template").asText())) throw new UserError(what + ": names template '" + body.path("template").asText() + "'");
        Set<Integer> out = new TreeSet<>();
        for (JsonNode v : body.path("revoked")) out.add(v.asInt());
        return out;
    }
}
