package io.ingot.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The shared mappers read every stored and foreign file (manifests, job and run records, vm.json, storage.yaml,
 * cloud-init user-data): a key given twice is refused, since which value wins is the parser's whim and another
 * reader of the same bytes may take the other one.
 */
class JsonTest {
    @Test
    void theSharedJsonMapperRefusesAKeyTwice() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> Json.MAPPER.readTree("{\"name\": \"a\", \"disk\": {\"sha256\": \"1\", \"sha256\": \"2\"}}"));
        assertEquals("Duplicate field 'sha256' (line 1, column 47)", Json.problem(e));
    }

    @Test
    void theSharedYamlMapperRefusesAKeyTwice() {
        JsonProcessingException e = assertThrows(JsonProcessingException.class,
                () -> Json.YAML.readValue("users:\n  - name: a\n    name: b\n", JsonNode.class));
        assertEquals("Duplicate field 'name' (line 3, column 9)", Json.problem(e));
    }
}
