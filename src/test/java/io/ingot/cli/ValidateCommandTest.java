package io.ingot.cli;

import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ValidateCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void validRecipesPrintOkAndExitZero() {
        assertEquals(0, run("validate", "recipes/debian-12.yaml", "recipes/debian-12-netboot.yaml", "recipes/ubuntu-24.04.yaml"));
        assertEquals("recipes/debian-12.yaml: ok\nrecipes/debian-12-netboot.yaml: ok\nrecipes/ubuntu-24.04.yaml: ok\n",
                out.toString().replace("\r", ""));
    }

    @Test
    void everyProblemOfEveryFileIsPrintedWithTheFileAsGiven() {
        String bad = "src/test/resources/recipes/bad/several-problems.yaml";
        assertEquals(2, run("validate", bad, "src/test/resources/recipes/good/minimal.yaml", "missing.yaml"));
        String text = out.toString();
        assertTrue(text.contains(bad + ":1:1: media: is required"), text);
        assertTrue(text.contains(bad + ":6:1: unknown key 'descripton'"), text);
        assertTrue(text.contains(bad + ":11:9: communicator.port: expected a whole number, got 'ssh'"), text);
        assertTrue(text.contains("src/test/resources/recipes/good/minimal.yaml: ok"), text);
        assertTrue(text.contains("missing.yaml: no such file"), text);
    }

    @Test
    void varsAreChecked() {
        assertEquals(0, run("validate", "recipes/debian-12.yaml", "--var", "version=12.11.0"));
        assertEquals(2, run("validate", "recipes/debian-12.yaml", "--var", "versoin=12.11.0"));
        assertTrue(out.toString().contains("recipes/debian-12.yaml: --var versoin: the recipe has no variable 'versoin' (did you mean 'version'?)"));
        assertEquals(2, run("validate", "recipes/debian-12.yaml", "--var", "version"));
        assertTrue(err.toString().contains("--var version: expected NAME=VALUE"), err.toString());
    }

    @Test
    void allowPathLetsARecipesFilesBeOutsideItsFolder(@TempDir Path tmp) throws IOException {
        Path recipe = Files.createDirectories(tmp.resolve("recipes")).resolve("demo.yaml");
        Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(tmp.resolve("shared/setup.sh"), "true\n");
        Files.writeString(recipe, "name: demo\nmedia:\n  iso: {builtin: tinyinstall}\nprovisioners:\n"
                + "  - {type: shell, script: ../shared/setup.sh}\n");
        assertEquals(2, run("validate", recipe.toString()));
        assertTrue(out.toString().contains(recipe + ":5:27: provisioners[0].script: '../shared/setup.sh' leaves the recipe's folder"),
                out.toString());
        assertEquals(0, run("validate", "--allow-path", tmp.resolve("shared").toString(), recipe.toString()));
        assertTrue(out.toString().endsWith(recipe + ": ok\n"), out.toString());
    }

    @Test
    void helpDescribesTheCommand() {
        assertEquals(0, run("validate", "--help"));
        assertTrue(out.toString().contains("file:line:column: message"));
        assertTrue(out.toString().contains("--var"));
        assertTrue(out.toString().contains("--allow-path"));
    }
}
