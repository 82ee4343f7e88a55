package io.ingot.recipe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The files a recipe names stay inside its folder, or inside a folder allowed explicitly. */
class RecipePathsTest {
    @TempDir
    Path tmp;

    private Path recipeDir() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("recipes"));
        Files.createDirectories(dir.resolve("files/sub"));
        Files.writeString(dir.resolve("files/sub/a.txt"), "a");
        Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(tmp.resolve("shared/secret.txt"), "s");
        return dir;
    }

    @Test
    void pathsInsideTheRecipesFolderPassEvenWhenTheyDoNotExistYet() throws IOException {
        Path dir = recipeDir();
        RecipePaths paths = RecipePaths.recipeFolderOnly();
        assertNull(paths.refusal(dir, "files/sub/a.txt"));
        assertNull(paths.refusal(dir, "files"));
        assertNull(paths.refusal(dir, "files/../files/sub/a.txt"));
        assertNull(paths.refusal(dir, "missing/later.txt"));
    }

    @Test
    void absolutePathsAndPathsLeavingTheFolderAreRefusedSayingHowToAllowThem() throws IOException {
        Path dir = recipeDir();
        RecipePaths paths = RecipePaths.recipeFolderOnly();
        assertEquals("'../../../../etc/passwd' leaves the recipe's folder; paths in a recipe stay inside it ("
                + RecipePaths.ALLOW_HINT + ")", paths.refusal(dir, "../../../../etc/passwd"));
        assertEquals("'/etc' is an absolute path; paths in a recipe are relative to its folder and stay inside it ("
                + RecipePaths.ALLOW_HINT + ")", paths.refusal(dir, "/etc"));
        assertTrue(paths.refusal(dir, "../shared/secret.txt").contains("leaves the recipe's folder"));
        assertTrue(paths.refusal(dir, dir.resolve("files/sub/a.txt").toString()).contains("is an absolute path"),
                "absolute, even when it points inside the folder");
    }

    @Test
    void anAllowedFolderMayBeNamedRelativeOrAbsolute() throws IOException {
        Path dir = recipeDir();
        RecipePaths paths = new RecipePaths(List.of(tmp.resolve("shared")));
        assertNull(paths.refusal(dir, "../shared/secret.txt"));
        assertNull(paths.refusal(dir, tmp.resolve("shared/secret.txt").toString()));
        assertTrue(paths.refusal(dir, "/etc/passwd").contains("is an absolute path"));
        assertTrue(paths.refusal(dir, "../shared/../../etc").contains("leaves the recipe's folder"));
    }

    @Test
    void symbolicLinksCountWhereTheyLead() throws IOException {
        Path dir = recipeDir();
        Files.createSymbolicLink(dir.resolve("passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(dir.resolve("files/sub/etc"), Path.of("/etc"));
        Files.createSymbolicLink(dir.resolve("inside"), dir.resolve("files/sub/a.txt"));
        RecipePaths paths = RecipePaths.recipeFolderOnly();
        assertEquals("'passwd' leads to /etc/passwd through a symbolic link, outside the recipe's folder ("
                + RecipePaths.ALLOW_HINT + ")", paths.refusal(dir, "passwd"));
        assertEquals("'files' holds sub/etc, a symbolic link to /etc, outside the recipe's folder ("
                + RecipePaths.ALLOW_HINT + ")", paths.refusal(dir, "files"), "a folder's links are checked too");
        assertNull(paths.refusal(dir, "inside"), "a link that stays inside is fine");
        assertNull(new RecipePaths(List.of(Path.of("/etc"))).refusal(dir, "passwd"), "unless its target is allowed");
    }
}
