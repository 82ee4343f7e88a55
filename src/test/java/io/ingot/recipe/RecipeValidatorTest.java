package io.ingot.recipe;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeValidatorTest {
    private static final Path BAD = Path.of("src/test/resources/recipes/bad");
    private static final Path GOOD = Path.of("src/test/resources/recipes/good");
    private final RecipeValidator validator = new RecipeValidator();

    /** Each bad recipe lists what it must produce in "# expect: [file:]line:column: message" comments. */
    @TestFactory
    Stream<DynamicTest> badRecipesReportExactlyTheirExpectedProblems() throws IOException {
        List<Path> recipes = yamlFiles(BAD);
        assertTrue(recipes.size() >= 25, "the corpus has " + recipes.size() + " bad recipes");
        return recipes.stream().map(recipe -> DynamicTest.dynamicTest(recipe.getFileName().toString(), () -> {
            // decoded leniently: one recipe of the corpus is not UTF-8 on purpose
            List<String> expected = new String(Files.readAllBytes(recipe), StandardCharsets.UTF_8).lines()
                    .filter(l -> l.startsWith("# expect: ")).map(l -> l.substring("# expect: ".length()))
                    .sorted().toList();
            assertTrue(!expected.isEmpty(), recipe + " has no '# expect:' line");
            List<String> actual = validator.validate(recipe, Map.of()).stream()
                    .map(p -> shown(recipe, p)).sorted().toList();
            assertEquals(expected, actual);
        }));
    }

    @TestFactory
    Stream<DynamicTest> goodRecipesHaveNoProblems() throws IOException {
        return yamlFiles(GOOD).stream().map(recipe -> DynamicTest.dynamicTest(recipe.getFileName().toString(),
                () -> assertEquals(List.of(), validator.validate(recipe, Map.of()))));
    }

    @Test
    void reportsAnUnknownKeyAWordForANumberAndMissingMediaAllAtOnce() {
        String recipe = """
                name: demo
                nmae: typo
                machine:
                  cpus: two
                """;
        List<Problem> problems = validator.validate(Path.of("demo.yaml"), recipe, Map.of());
        assertEquals(List.of(
                "demo.yaml:1:1: media: is required (an iso, or a kernel and an initrd)",
                "demo.yaml:2:1: unknown key 'nmae' (did you mean 'name'?)",
                "demo.yaml:4:9: machine.cpus: expected a whole number, got 'two'"),
                problems.stream().map(Problem::format).toList());
    }

    @Test
    void aVarForAnUndeclaredVariableNamesTheArgument() {
        String recipe = """
                name: demo
                variables:
                  version: {default: "1"}
                media:
                  iso: {builtin: tinyinstall}
                """;
        List<Problem> problems = validator.validate(Path.of("demo.yaml"), recipe, Map.of("verison", "2"));
        assertEquals(List.of("demo.yaml: --var verison: the recipe has no variable 'verison' (did you mean 'version'?)"),
                problems.stream().map(Problem::format).toList());
    }

    @Test
    void aVarGivesAValueToAVariableWithoutDefault() {
        String recipe = """
                name: demo
                variables:
                  release: {}
                media:
                  iso:
                    url: https://example.org/${release}/x.iso
                    checksum: file:https://example.org/${release}/SHA256SUMS
                """;
        assertEquals(1, validator.validate(Path.of("demo.yaml"), recipe, Map.of()).size());
        assertEquals(List.of(), validator.validate(Path.of("demo.yaml"), recipe, Map.of("release", "7")));
    }

    @Test
    void interpolatedValuesAreCheckedAfterInterpolation() {
        String recipe = """
                name: demo
                variables:
                  mirror: {default: "ftp://example.org"}
                media:
                  iso:
                    url: ${mirror}/x.iso
                    checksum: sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """;
        List<Problem> problems = validator.validate(Path.of("demo.yaml"), recipe, Map.of());
        assertEquals(List.of("demo.yaml:6:10: media.iso.url: URL scheme must be http, https or file, got 'ftp://example.org/x.iso'"),
                problems.stream().map(Problem::format).toList());
        assertEquals(List.of(), validator.validate(Path.of("demo.yaml"), recipe, Map.of("mirror", "https://example.org")));
    }

    @Test
    void anEmptyFileAndAListAreNotRecipes() {
        assertEquals("e.yaml:1:1: the recipe is empty (it needs at least name and media)",
                validator.validate(Path.of("e.yaml"), "", Map.of()).get(0).format());
        assertEquals("l.yaml:1:1: a recipe is a mapping of keys (name, media, ...), got a list",
                validator.validate(Path.of("l.yaml"), "- name: x\n", Map.of()).get(0).format());
    }

    @Test
    void aMissingFileIsOneProblem() {
        assertEquals(List.of("nowhere.yaml: no such file"),
                validator.validate(Path.of("nowhere.yaml"), Map.of()).stream().map(Problem::format).toList());
    }

    @Test
    void theShippedRecipesValidate() throws IOException {
        for (Path recipe : yamlFiles(Path.of("recipes"))) {
            assertEquals(List.of(), validator.validate(recipe, Map.of()), recipe.toString());
        }
    }

    @Test
    void theDocumentedExampleValidates() throws IOException {
        String doc = Files.readString(Path.of("docs/recipes.md"));
        int section = doc.indexOf("## A complete example");
        int start = doc.indexOf("```yaml\n", section) + "```yaml\n".length();
        String example = doc.substring(start, doc.indexOf("```", start));
        assertEquals(List.of(), validator.validate(Path.of("recipes/example.yaml"), example, Map.of()));
    }

    @Test
    void theReferenceDocumentsEveryKeyOfTheModel() throws IOException {
        String doc = Files.readString(Path.of("docs/recipes.md"));
        for (String path : RecipeValidator.keyPaths()) {
            String key = path.substring(path.lastIndexOf('.') + 1);
            assertTrue(doc.contains("`" + key + "`") || doc.contains("`" + key + ".") || doc.contains("." + key + "`"), "docs/recipes.md does not document " + path);
        }
    }

    @Test
    void aMegabyteLongNumberIsOneLocatedLineQuotingItShortened() {
        String huge = "9".repeat(1_000_000);
        String recipe = "name: demo\nmedia:\n  iso: {builtin: tinyinstall}\nmachine:\n  cpus: " + huge
                + "\n  memory: " + huge + "G\nboot:\n  timeout: " + huge + "s\n";
        List<String> problems = validator.validate(Path.of("demo.yaml"), recipe, Map.of()).stream().map(Problem::format).toList();
        String shown = "'" + "9".repeat(Problem.QUOTE_LIMIT) + "…'";
        assertEquals(List.of(
                "demo.yaml:5:9: machine.cpus: must be between 1 and 1024, got " + shown + " (1000000 characters)",
                "demo.yaml:6:11: machine.memory: " + shown + " (1000001 characters) is too large a size (more than 8 EiB); at most 16T",
                "demo.yaml:8:12: boot.timeout: " + shown + " (1000001 characters) is too long a duration (at most 8760h, a year)"),
                problems);
    }

    @Test
    void pathsOutsideTheRecipesFolderPassOnlyWhereAllowed(@TempDir Path tmp) throws IOException {
        Path recipe = Files.createDirectories(tmp.resolve("recipes")).resolve("demo.yaml");
        Files.createDirectories(tmp.resolve("shared/http"));
        Files.writeString(tmp.resolve("shared/motd"), "hello\n");
        Files.writeString(recipe, """
                name: demo
                media:
                  iso: {builtin: tinyinstall}
                http:
                  directory: ../shared/http
                provisioners:
                  - {type: file, source: ../shared/motd, destination: /etc/motd}
                """);
        List<String> refused = validator.validate(recipe, Map.of()).stream().map(Problem::message).toList();
        assertEquals(2, refused.size(), refused.toString());
        assertTrue(refused.get(0).startsWith("http.directory: '../shared/http' leaves the recipe's folder"), refused.get(0));
        assertTrue(refused.get(1).startsWith("provisioners[0].source: '../shared/motd' leaves the recipe's folder"), refused.get(1));
        RecipeValidator allowing = new RecipeValidator(new RecipePaths(List.of(tmp.resolve("shared"))));
        assertEquals(List.of(), allowing.validate(recipe, Map.of()));
    }

    @Test
    void aTemplateErrorInsideABlockScalarIsPlacedOnItsOwnLine() {
        String recipe = """
                name: demo
                media:
                  iso: {builtin: tinyinstall}
                onRestore:
                  - |
                    echo one
                    echo ${name
                    echo three
                """;
        assertEquals(List.of("demo.yaml:7:10: onRestore[0]: this ${ is not closed: the } is missing"),
                validator.validate(Path.of("demo.yaml"), recipe, Map.of()).stream().map(Problem::format).toList());
    }

    @Test
    void anAliasBombIsRefusedQuicklyWhereItExplodes() {
        StringBuilder recipe = new StringBuilder("name: demo\nmedia:\n  iso: {builtin: tinyinstall}\nx:\n  - &l0 [a, a]\n");
        for (int i = 1; i <= 40; i++) recipe.append("  - &l").append(i).append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
        // not a timing: expanding 2^40 values would never end, so a minute only guards against hanging
        List<Problem> problems = assertTimeoutPreemptively(Duration.ofMinutes(1),
                () -> validator.validate(Path.of("bomb.yaml"), recipe.toString(), Map.of()));
        assertEquals(1, problems.size(), problems.toString());
        assertEquals(16, problems.get(0).line(), problems.get(0).format());
        assertTrue(problems.get(0).message().contains("(an alias bomb?)"), problems.get(0).format());
    }

    /** A problem as the corpus writes it: "line:column: message" in the recipe, "relative/file:line:column: message" elsewhere. */
    private static String shown(Path recipe, Problem p) {
        String position = p.line() + ":" + p.column() + ": " + p.message();
        if (p.file().equals(recipe)) return position;
        return recipe.getParent().relativize(p.file()).toString().replace('\\', '/') + ":" + position;
    }

    private static List<Path> yamlFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}
