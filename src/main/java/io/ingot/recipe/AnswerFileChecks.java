package io.ingot.recipe;

import freemarker.core.ParseException;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The FreeMarker answer files (*.ftl) under {@code http.directory}: each must parse and use only names the build defines. */
final class AnswerFileChecks {
    private final ProblemList problems;
    private final InterpolationModel model;

    AnswerFileChecks(ProblemList problems, InterpolationModel model) {
        this.problems = problems;
        this.model = model;
    }

    /** Checks every answer file under {@code httpDir}; problems name the answer file and its line:column. */
    void check(Path httpDir) {
        List<Path> templates;
        try (Stream<Path> files = Files.walk(httpDir)) {
            templates = files.filter(p -> p.getFileName().toString().endsWith(".ftl") && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            problems.add(new Problem(httpDir, 0, 0, "cannot list answer files: " + e.getMessage()));
            return;
        }
        Configuration cfg = Interpolation.configuration(httpDir);
        for (Path ftl : templates) {
            String name = httpDir.relativize(ftl).toString().replace('\\', '/');
            try {
                Template t = cfg.getTemplate(name);
                if (!model.complete()) continue;
                Interpolation.Trial trial = Interpolation.trial(t, model.values());
                for (TemplateException te : trial.undefined()) {
                    problems.add(new Problem(ftl, orZero(te.getLineNumber()), orZero(te.getColumnNumber()),
                            "'" + te.getBlamedExpressionString() + "' is not defined" + model.undefinedHint(te.getBlamedExpressionString())));
                }
            } catch (ParseException e) {
                TemplateErrors.Located at = TemplateErrors.describe(e, readQuietly(ftl));
                problems.add(new Problem(ftl, at.line(), at.column(), at.message()));
            } catch (IOException e) {
                problems.add(new Problem(ftl, 0, 0, "cannot read: " + e.getMessage()));
            }
        }
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return ""; // positions stay FreeMarker's own
        }
    }

    private static int orZero(Integer n) {
        return n == null ? 0 : n;
    }
}
