package io.ingot.recipe;

import freemarker.cache.FileTemplateLoader;
import freemarker.core.Environment;
import freemarker.core.InvalidReferenceException;
import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * FreeMarker as ingot uses it, for recipe strings ({@code ${httpIp}}) and for {@code *.ftl}
 * answer files: one configuration, so what validates is what renders at build time.
 * Only {@code ${...}} interpolates ({@code #{...}} is left alone, shell code uses it).
 */
public final class Interpolation {
    /** Names ingot puts in the model of every build, besides the recipe's variables. All values are strings. */
    public static final List<String> MODEL_NAMES = List.of("httpIp", "httpPort", "sshPublicKey", "name", "buildId");

    private Interpolation() { }

    /** The FreeMarker configuration for recipe strings and answer files; {@code templateDir} may be null. */
    public static Configuration configuration(Path templateDir) {
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_34);
        cfg.setDefaultEncoding("UTF-8");
        cfg.setInterpolationSyntax(Configuration.DOLLAR_INTERPOLATION_SYNTAX);
        cfg.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        cfg.setLogTemplateExceptions(false);
        cfg.setWrapUncheckedExceptions(true);
        cfg.setLocalizedLookup(false);
        cfg.setNumberFormat("computer");
        cfg.setTabSize(1); // error columns count characters, as the validator's other columns do
        if (templateDir != null) {
            try {
                cfg.setTemplateLoader(new FileTemplateLoader(templateDir.toFile()));
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read templates in " + templateDir + ": " + e.getMessage(), e);
            }
        }
        return cfg;
    }

    /** Renders one recipe string with the model (build time). */
    public static String render(String text, Map<String, ?> model) {
        try {
            Template t = new Template("recipe", new StringReader(text), configuration(null));
            StringWriter out = new StringWriter();
            t.process(model, out);
            return out.toString();
        } catch (IOException | TemplateException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** What a trial rendering found: the output (null if it failed) and the names it could not resolve. */
    record Trial(String output, List<TemplateException> undefined, List<TemplateException> otherErrors) { }

    /** Renders {@code template} with {@code model}, carrying on past errors so that every undefined name is found. */
    static Trial trial(Template template, Map<String, ?> model) throws IOException {
        List<TemplateException> undefined = new ArrayList<>();
        List<TemplateException> other = new ArrayList<>();
        StringWriter out = new StringWriter();
        try {
            Environment env = template.createProcessingEnvironment(model, out);
            env.setTemplateExceptionHandler((te, e, w) -> {
                if (te instanceof InvalidReferenceException) undefined.add(te);
                else other.add(te);
            });
            env.process();
        } catch (TemplateException e) {
            other.add(e);
        }
        boolean clean = undefined.isEmpty() && other.isEmpty();
        return new Trial(clean ? out.toString() : null, undefined, other);
    }
}
