package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import freemarker.template.Configuration;
import io.ingot.recipe.Interpolation;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;

import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Completes the recipe: interpolates its strings with the build's model (httpIp, httpPort,
 * sshPublicKey, name, buildId, variables), then renders the answer files into the directory the
 * answer server serves: {@code *.ftl} through FreeMarker (without the suffix), others copied as they are.
 */
public final class AnswerFilesStage implements Stage {
    @Override
    public String name() { return "answer-files"; }

    @Override
    public void run(BuildContext build) throws Exception {
        build.interpolateRecipe();
        Path out = build.answers().dir();
        Recipe.Http http = build.settings().http();
        if (http == null || http.directory() == null) {
            build.log().info("the recipe has no answer files");
            return;
        }
        Path src = build.settings().resolve(http.directory());
        Configuration freemarker = Interpolation.configuration(src);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(src)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
            Path rel = src.relativize(f);
            Path target = out.resolve(rel.toString());
            Files.createDirectories(target.getParent());
            if (f.getFileName().toString().endsWith(".ftl")) {
                String plain = target.getFileName().toString();
                target = target.resolveSibling(plain.substring(0, plain.length() - ".ftl".length()));
                try (Writer w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
                    freemarker.getTemplate(rel.toString()).process(build.model(), w);
                }
                build.log().info("rendered " + rel + " -> " + out.relativize(target));
            } else {
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                build.log().info("copied " + rel);
            }
        }
    }
}
