package io.ingot.fleet;

import io.ingot.recipe.LoadedRecipe;
import io.ingot.recipe.RecipeLoader;
import io.ingot.recipe.RecipePaths;
import io.ingot.recipe.RecipeValidator;
import io.ingot.util.UserError;
import org.apache.commons.io.FileUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A recipe travels with the files it names, and arrives as a recipe that validates where it lands. */
class RecipeBundleTest {
    private static final Path HOME = Path.of(System.getProperty("ingot.home", ".")).toAbsolutePath().normalize();

    @Test
    void theRecipeAndTheFilesItNamesArriveAndValidate(@TempDir Path dir) throws Exception {
        Path recipes = dir.resolve("recipes");
        FileUtils.copyDirectory(HOME.resolve("recipes/tiny-linux").toFile(), recipes.resolve("tiny-linux").toFile());
        Files.copy(HOME.resolve("recipes/tiny-linux.yaml"), recipes.resolve("tiny-linux.yaml"));
        Path script = recipes.resolve("tiny-linux/files/profile.sh");
        script.toFile().setExecutable(true);
        Files.writeString(recipes.resolve("unrelated.txt"), "not named by the recipe");
        LoadedRecipe loaded = new RecipeLoader().load(recipes.resolve("tiny-linux.yaml"), Map.of());

        RecipeBundle.Packed packed = RecipeBundle.pack(loaded);
        assertEquals("tiny-linux.yaml", packed.recipeFile());
        Path to = dir.resolve("unpacked");
        Path recipe = RecipeBundle.unpack(packed.base64(), packed.recipeFile(), to);
        assertEquals(Files.readString(recipes.resolve("tiny-linux.yaml")), Files.readString(recipe));
        assertEquals(Files.readString(recipes.resolve("tiny-linux/http/answers.cfg.ftl")), Files.readString(to.resolve("tiny-linux/http/answers.cfg.ftl")));
        assertTrue(Files.isExecutable(to.resolve("tiny-linux/files/profile.sh")), "an executable script stays executable");
        assertFalse(Files.exists(to.resolve("unrelated.txt")), "only what the recipe names travels");
        LoadedRecipe there = new RecipeLoader(new RecipeValidator(new RecipePaths(List.of(to)))).load(recipe, Map.of());
        assertEquals(loaded.contentHash(), there.contentHash());
    }

    @Test
    void filesFromAnAllowedFolderAboveTheRecipeKeepTheirPlace(@TempDir Path dir) throws Exception {
        Path shared = dir.resolve("shared");
        Files.createDirectories(shared);
        Files.writeString(shared.resolve("setup.sh"), "echo shared\n");
        Path recipes = dir.resolve("recipes");
        Files.createDirectories(recipes);
        Files.writeString(recipes.resolve("r.yaml"), """
                name: r
                media:
                  iso: {builtin: tinyinstall}
                provisioners:
                  - type: shell
                    script: ../shared/setup.sh
                """);
        LoadedRecipe loaded = new RecipeLoader(new RecipeValidator(new RecipePaths(List.of(shared)))).load(recipes.resolve("r.yaml"), Map.of());
        RecipeBundle.Packed packed = RecipeBundle.pack(loaded);
        assertEquals("recipes/r.yaml", packed.recipeFile());
        Path to = dir.resolve("unpacked");
        RecipeBundle.unpack(packed.base64(), packed.recipeFile(), to);
        assertEquals("echo shared\n", Files.readString(to.resolve("shared/setup.sh")));
    }

    @Test
    void anEntryThatWouldLandOutsideItsFolderIsRefused(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("../escaped.sh"));
            zip.write("rm -rf /\n".getBytes());
            zip.closeEntry();
        }
        String base64 = Base64.getEncoder().encodeToString(bytes.toByteArray());
        IOException e = assertThrows(IOException.class, () -> RecipeBundle.unpack(base64, "r.yaml", dir.resolve("in")));
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("escaped.sh")));
    }

    @Test
    void mediaTooLargeForARequestAreRefusedSayingSo(@TempDir Path dir) throws Exception {
        Path recipes = dir.resolve("recipes");
        Files.createDirectories(recipes);
        Path iso = recipes.resolve("big.iso");
        try (var f = new java.io.RandomAccessFile(iso.toFile(), "rw")) {
            f.setLength(RecipeBundle.MAX_BYTES + 1);
        }
        Files.writeString(recipes.resolve("r.yaml"), "name: r\nmedia:\n  iso:\n    path: big.iso\n    checksum: sha256:" + "0".repeat(64) + "\n");
        LoadedRecipe loaded = new RecipeLoader().load(recipes.resolve("r.yaml"), Map.of());
        UserError e = assertThrows(UserError.class, () -> RecipeBundle.pack(loaded));
        assertTrue(e.getMessage().contains("give large media by url"), e.getMessage());
    }
}
