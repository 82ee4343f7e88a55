package io.ingot.recipe;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sensitive values are masked as written, URL-encoded (either hex case, form or path style) and in URL userinfo. */
class LoadedRecipeMaskTest {
    private final LoadedRecipe recipe = new LoadedRecipe(Path.of("r.yaml"), Path.of("."), null, Map.of(),
            Set.of("p@ss w/rd", "tok3n"), "hash");

    @Test
    void secretsAreMaskedInEveryFormTheyTakeInAUrl() {
        String[] leaks = {
                "password p@ss w/rd in the clear",
                "GET http://builder:p%40ss%20w%2Frd@mirror.example/x.iso: HTTP 404",
                "GET http://builder:p%40ss+w%2Frd@mirror.example/x.iso",
                "query ?pw=p%40ss%20w%2frd&x=1",
                "bearer tok3n",
        };
        for (String line : leaks) {
            String masked = recipe.mask(line);
            assertFalse(masked.contains("p@ss") || masked.contains("p%40ss") || masked.contains("tok3n"), line + " -> " + masked);
            assertTrue(masked.contains("****"), masked);
        }
        assertEquals("cannot download https://user:****@host.example/a.iso", recipe.mask("cannot download https://user:other-password@host.example/a.iso"),
                "a URL's password is masked even when it is no recipe variable");
        assertEquals("no secret here: http://host.example/a.iso", recipe.mask("no secret here: http://host.example/a.iso"));
        assertEquals(null, recipe.mask(null));
    }
}
