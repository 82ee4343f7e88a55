package io.ingot.util;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** The one JSON mapper and the one YAML mapper ingot shares (both thread-safe once configured). */
public final class Json {
    /** JSON with java.time support (ISO dates). */
    public static final ObjectMapper MAPPER = JsonMapper.builder().findAndAddModules().build();
    /** YAML without the document marker and with block-style lists, as cloud-init and humans write it. */
    public static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .findAndAddModules()
            .build();

    private Json() { }
}
