package io.ingot.daemon;

import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The daemon serves a recipe whose files are outside its folder only when daemon.yaml's allowPaths names them. */
class RecipesAllowPathsTest {

    @Test
    void allowPathsInDaemonYamlLetsARecipeUseAFolderOutsideItsOwn(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve("recipes"));
        Files.createDirectories(home.resolve("shared"));
        Files.writeString(home.resolve("shared/motd"), "hello\n");
        Files.writeString(home.resolve("recipes/demo.yaml"), """
                name: demo
                media:
                  iso: {builtin: tinyinstall}
                provisioners:
                  - {type: file, source: ../shared/motd, destination: /etc/motd}
                """);
        IngotPaths paths = new IngotPaths(home, home.resolve("images"), home.resolve("cache"), home.resolve("images/.ingot"));
        Files.createDirectories(paths.images());

        DaemonConfig plain = DaemonConfig.load(paths);
        Recipes refusing = new Recipes(plain.recipesDir(paths), plain.recipePaths(paths));
        assertEquals(List.of(), refusing.all(), "without allowPaths the recipe is left out");
        assertThrows(UserError.class, () -> refusing.get("demo"));

        Files.writeString(paths.images().resolve(DaemonConfig.FILE_NAME), "allowPaths: [shared]\n");
        DaemonConfig allowing = DaemonConfig.load(paths);
        assertEquals(List.of("shared"), allowing.allowPaths());
        Recipes recipes = new Recipes(allowing.recipesDir(paths), allowing.recipePaths(paths));
        assertEquals("demo", recipes.get("demo").recipe().name());
    }
}
