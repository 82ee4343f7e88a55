package io.ingot.trust;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A version whose provenance verified: the key that signed it, where this site's trust in that key comes from,
 * the builder its provenance names, and the predicate (kept when the version is signed again here).
 */
public record Verified(String keyId, String keySource, String builder, JsonNode predicate) { }
