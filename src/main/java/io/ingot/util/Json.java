package io.ingot.util;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapper and the one YAML mapper ingot shares (both thread-safe once configured). Both refuse a key
 * given twice: which value wins would be the parser's whim, and another reader of the same bytes (a proxy, a
 * human, another tool) may take the other one.
 */
public final class Json {
    /** JSON with java.time support (ISO-8601 dates), compact: wire formats (QMP, the API, requests). */
    public static final ObjectMapper MAPPER = JsonMapper.builder().findAndAddModules()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    /** The same, indented: files people read (manifests, vm.json, timings.json, reports). */
    public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
    /** YAML without the document marker and with block-style lists, as cloud-init and humans write it. */
    public static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .findAndAddModules()
            .build();

    private Json() { }

    /**
     * JSON from another host or a file ingot did not write, as a tree; not JSON (a key twice included) is a
     * {@link UserError} naming {@code what} ({@code GET URL: not valid JSON: Duplicate field 'size' (line 1, column 40)}).
     */
    public static JsonNode foreign(byte[] json, String what) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new UserError(what + ": not valid JSON: " + problem(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
    }

    /** A parse error as one line: what is wrong and where ({@code Duplicate field 'size' (line 1, column 40)}). */
    public static String problem(JsonProcessingException e) {
        String what = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage().lines().findFirst().orElse("");
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 1 ? what : what + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }
}
