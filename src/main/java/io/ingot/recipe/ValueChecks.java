package io.ingot.recipe;

import freemarker.core.ParseException;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import org.yaml.snakeyaml.nodes.ScalarNode;

import java.io.IOException;
import java.io.StringReader;
import java.util.function.Function;

/**
 * One text value of a recipe: its ${...} rendered against the {@link InterpolationModel} where it can be,
 * then the field's rule, the file it names, and for {@code http.directory} the answer files in it.
 */
final class ValueChecks {
    private final ProblemList problems;
    private final InterpolationModel model;
    private final FieldRules rules;
    private final FileChecks files;
    private final AnswerFileChecks answerFiles;

    ValueChecks(ProblemList problems, InterpolationModel model, FieldRules rules, FileChecks files, AnswerFileChecks answerFiles) {
        this.problems = problems;
        this.model = model;
        this.rules = rules;
        this.files = files;
        this.answerFiles = answerFiles;
    }

    /** Format checks of one text value at {@code path} (schema path {@code schema}), after interpolating what can be. */
    void check(ScalarNode scalar, String path, String schema) {
        String raw = scalar.getValue();
        String value = raw;
        if (interpolated(schema)) {
            value = interpolate(scalar, path, raw);
            // not known before the build: only boot commands can still be checked, ${...} being plain text to them
            if (value == null && schema.equals("boot.command")) value = raw;
            if (value == null) return;
        }
        String error = rule(schema, value);
        // a value quoted in full could be a megabyte long: messages quote it shortened
        if (error != null && value.length() > Problem.QUOTE_LIMIT) error = error.replace("'" + value + "'", Problem.quote(value));
        if (error != null) problems.at(scalar, path + ": " + error);
    }

    private static boolean interpolated(String schema) {
        return !schema.equals("name") && !schema.startsWith("variables.");
    }

    /** The field's rule if it has one, else the file it names; a good {@code http.directory} has its answer files checked. */
    private String rule(String schema, String v) {
        Function<String, String> rule = rules.rule(schema);
        if (rule != null) return rule.apply(v);
        String error = files.check(problems.dir(), schema, v);
        if (error == null && schema.equals("http.directory")) answerFiles.check(problems.dir().resolve(v));
        return error;
    }

    /** The value with ${...} rendered, or null when it cannot be known now (problems already reported). */
    private String interpolate(ScalarNode scalar, String path, String raw) {
        if (!raw.contains("${")) return raw;
        try {
            Template t = new Template(path, new StringReader(raw), Interpolation.configuration(null));
            Interpolation.Trial trial = Interpolation.trial(t, model.values());
            for (TemplateException te : trial.undefined()) {
                String name = te.getBlamedExpressionString();
                problemIn(scalar, raw, orZero(te.getLineNumber()), orZero(te.getColumnNumber()),
                        path + ": '" + name + "' is not defined" + model.undefinedHint(name));
            }
            return trial.output() != null && model.complete() ? trial.output() : null;
        } catch (ParseException e) {
            TemplateErrors.Located at = TemplateErrors.describe(e, raw);
            problemIn(scalar, raw, at.line(), at.column(), path + ": " + at.message());
            return null;
        } catch (IOException e) {
            problems.at(scalar, path + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * A problem at {@code line:column} of a scalar's value, placed in the recipe: the text from there
     * to the end of its line is looked up between the scalar's start and end (so quotes, block scalars
     * and folded lines do not shift it); where it cannot be found, at the scalar's start.
     */
    private void problemIn(ScalarNode scalar, String value, int line, int column, String message) {
        if (line <= 0) {
            problems.at(scalar, message);
            return;
        }
        String text = problems.text();
        int offset = TemplateErrors.offset(value, line, column);
        int eol = value.indexOf('\n', offset);
        String snippet = value.substring(offset, Math.min(eol < 0 ? value.length() : eol, offset + 20));
        int from = text.offsetByCodePoints(0, Math.min(scalar.getStartMark().getIndex(), text.codePointCount(0, text.length())));
        int to = text.offsetByCodePoints(0, Math.min(scalar.getEndMark().getIndex(), text.codePointCount(0, text.length())));
        int found = -1;
        if (!snippet.isEmpty()) {
            int nth = 0; // the same text may come earlier in the value
            for (int i = value.indexOf(snippet); i >= 0 && i < offset; i = value.indexOf(snippet, i + 1)) nth++;
            found = text.indexOf(snippet, from);
            for (int k = 0; k < nth && found >= 0; k++) found = text.indexOf(snippet, found + 1);
        }
        if (found < 0 || found >= to) {
            problems.at(scalar, message);
            return;
        }
        int[] p = RecipeYaml.position(text, found);
        problems.add(p[0], p[1], message);
    }

    private static int orZero(Integer n) {
        return n == null ? 0 : n;
    }
}
