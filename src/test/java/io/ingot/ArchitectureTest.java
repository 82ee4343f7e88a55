package io.ingot;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import io.ingot.pipeline.BuildContext;
import io.ingot.recipe.BootAction;
import io.ingot.recipe.BootCommand;
import io.ingot.recipe.Interpolation;
import io.ingot.recipe.RamTemplateRules;
import io.ingot.recipe.Recipe;
import io.ingot.recipe.SealOperation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package layers of README's Layout table: a package may use the packages of the rows below its own
 * row, never those above or beside it; and no cycle between the packages under {@code io.ingot}.
 */
class ArchitectureTest {
    /** Top to bottom; the packages of one row do not use each other. */
    static final List<List<String>> LAYERS = List.of(
            List.of("cli"),
            List.of("daemon", "bench"),
            List.of("fleet"),
            List.of("pipeline"),
            List.of("distribution", "target"),
            List.of("images"),
            List.of("catalog", "storage", "vm"),
            List.of("network"),
            List.of("media", "sbom", "trust"),
            List.of("qemu", "guest", "recipe", "template"),
            List.of("server"),
            List.of("tls"),
            List.of("util"));

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("io.ingot");
        // an empty import would pass every rule below
        assertTrue(main.size() > 100, "imported " + main.size() + " classes of io.ingot");
    }

    @Test
    void noCycleBetweenPackages() {
        // each package on its own, subpackages too (pipeline and pipeline.stage)
        slices().matching("io.ingot.(**)").should().beFreeOfCycles().check(main);
    }

    @Test
    void dependenciesPointDownTheLayers() {
        LayeredArchitecture rule = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> row : LAYERS) {
            for (String p : row) rule = rule.layer(p).definedBy("io.ingot." + p + "..");
        }
        List<String> below = new ArrayList<>();
        for (int i = LAYERS.size() - 1; i >= 0; i--) {
            for (String p : LAYERS.get(i)) {
                rule = below.isEmpty() ? rule.whereLayer(p).mayNotAccessAnyLayer()
                        : rule.whereLayer(p).mayOnlyAccessLayers(below.toArray(String[]::new));
            }
            below.addAll(LAYERS.get(i));
        }
        rule.check(main);
    }

    @Test
    void theVmRuntimeRunsOnQemuAlone() {
        // a clone runs from its vm.json and the template's files: no catalog, storage or recipe in between
        // (its NICs on bridges need the host's networks: taps and networks.yaml)
        classes().that().resideInAPackage("io.ingot.vm..").should().onlyDependOnClassesThat(
                        resideOutsideOfPackage("io.ingot..").or(resideInAnyPackage("io.ingot.vm..", "io.ingot.network..", "io.ingot.qemu..",
                                "io.ingot.guest..", "io.ingot.template..", "io.ingot.server..", "io.ingot.util..")))
                .check(main);
    }

    @Test
    void storageBackendsShareByCompositionNotByReachingIntoEachOther() {
        // what both backends do with their local folders lives in MetadataFolders, which each holds
        for (String[] pair : new String[][] {{"DirStorage", "RbdStorage"}, {"RbdStorage", "DirStorage"}}) {
            noClasses().that().haveFullyQualifiedName("io.ingot.storage." + pair[0])
                    .should().dependOnClassesThat().haveFullyQualifiedName("io.ingot.storage." + pair[1]).check(main);
        }
    }

    @Test
    void oneHttpLayerHostsCamelsRoutes() {
        // the daemon's API is Camel's platform-http on the Vert.x server of server.http, the answer files the JDK's
        // server of server: no second HTTP server, nor a front of its own, in the daemon or anywhere else
        noClasses().that().resideOutsideOfPackage("io.ingot.server..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "com.sun.net.httpserver..",
                        "org.apache.camel.component.platform.http..")
                .because("HTTP is served in io.ingot.server alone (README's Layout)")
                .check(main);
        noClasses().should().resideInAPackage("io.ingot.daemon.http..").check(main);
    }

    @Test
    void stagesTakeTheirSettingsNotTheRecipe() {
        // stages serve every build of an engine; what one build asks of them comes as its BuildSettings, which hands
        // out the recipe's section records (Recipe.Machine, Recipe.Boot, ...). Besides those, only the recipe
        // language's own syntax: boot command keys, seal operations, RAM template rules, the answer files' FreeMarker
        Set<Class<?>> syntax = Set.of(BootAction.class, BootCommand.class, SealOperation.class, RamTemplateRules.class,
                Interpolation.class);
        DescribedPredicate<JavaClass> beyondSettings = DescribedPredicate.describe("are in io.ingot.recipe beyond "
                + "Recipe's section records and " + syntax.stream().map(Class::getSimpleName).sorted().toList(), c -> {
                    if (!c.getPackageName().equals("io.ingot.recipe")) return false;
                    JavaClass top = c;
                    while (top.getEnclosingClass().isPresent()) top = top.getEnclosingClass().get();
                    boolean section = top.isEquivalentTo(Recipe.class) && !c.isEquivalentTo(Recipe.class);
                    return !section && syntax.stream().noneMatch(top::isEquivalentTo);
                });
        noClasses().that().resideInAPackage("io.ingot.pipeline.stage..")
                .should().dependOnClassesThat(beyondSettings)
                .because("a stage reads build.settings(), not the recipe (README's Layout, pipeline)")
                .check(main);
        noClasses().that().resideInAPackage("io.ingot.pipeline.stage..")
                .should().callMethod(BuildContext.class, "recipe")
                .because("a stage reads build.settings(), not the recipe (README's Layout, pipeline)")
                .check(main);
    }

    @Test
    void whatStagesMakeIsAPhaseSetOnce() {
        // BuildContext is no blackboard: what one stage makes and the next ones read (media, disk, build key, answer
        // server, each VM, the SSH session, the template) is a SetOnce phase; the few plain fields are the build's own
        // bookkeeping, each with one writer (the route, Pipeline, the publish stage)
        Set<String> bookkeeping = Set.of("recipe", "settings", "plan", "finished", "published", "result", "failure", "stage");
        List<String> loose = new ArrayList<>();
        for (Field f : BuildContext.class.getDeclaredFields()) {
            if (!Modifier.isFinal(f.getModifiers()) && !bookkeeping.contains(f.getName())) loose.add(f.getName());
        }
        assertEquals(List.of(), loose, "BuildContext fields a stage could set more than once: make each a SetOnce phase");
    }

    @Test
    void noSourceFileOver500Lines() throws IOException {
        // a class that grows past this is doing more than one job: split it along its seams (README's Layout)
        List<String> big = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                long lines;
                try (Stream<String> l = Files.lines(f)) {
                    lines = l.count();
                }
                if (lines > 500) big.add(f + " (" + lines + " lines)");
            }
        }
        assertEquals(List.of(), big, "source files over 500 lines");
    }

    @Test
    void everyPackageHasItsRow() {
        String[] packages = LAYERS.stream().flatMap(List::stream).map(p -> "io.ingot." + p + "..").toArray(String[]::new);
        classes().should().resideInAnyPackage(packages)
                .because("a new package takes its row in the layers (README's Layout table, ArchitectureTest.LAYERS)")
                .check(main);
    }
}
