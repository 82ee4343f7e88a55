package io.ingot.util;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/** The one JSON mapper and the one YAML mapper ingot shares (both thread-safe once configured). */
public final class Json {
    /** JSON with java.time support (ISO-8601 dates), compact: wire formats (QMP, the API, requests). */
    public static final ObjectMapper MAPPER = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    /** The same, indented: files people read (manifests, vm.json, timings.json, reports). */
    public static final ObjectWriter PRETTY = MAPPER.writerWithDefaultPrettyPrinter();
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
