package io.ingot.pipeline.stage;

import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Renderer;
import io.ingot.pipeline.Stage;
import io.ingot.recipe.Recipe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Renders the recipe's answer files into the directory the answer server serves:
 * {@code *.ftl} through FreeMarker (without the suffix), everything else copied as is.
 */
public final class AnswerFilesStage implements Stage {
    private final Renderer renderer;

    public AnswerFilesStage(Renderer renderer) { this.renderer = renderer; }

    @Override
    public String name() { return "answer-files"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Path out = build.answerDir();
        Recipe.Http http = build.recipe().recipe().http();
        if (http == null || http.directory() == null) {
            build.log().info("the recipe has no answer files");
            return;
        }
        Path src = build.recipe().resolve(http.directory());
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
                renderer.renderFile(f, target, build.model());
                build.log().info("rendered " + rel + " -> " + out.relativize(target));
            } else {
                Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                build.log().info("copied " + rel);
            }
        }
    }
}
