package io.ingot.pipeline;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** FreeMarker rendering of answer files ({@code *.ftl}) and of recipe strings such as the boot command. */
public final class Renderer {
    private final Configuration config;

    public Renderer() {
        config = new Configuration(Configuration.VERSION_2_3_34);
        config.setDefaultEncoding("UTF-8");
        // a missing variable is an error naming it, never an empty string in an answer file
        config.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        config.setLogTemplateExceptions(false);
        config.setWrapUncheckedExceptions(true);
        config.setFallbackOnNullLoopVariable(false);
    }

    public String render(String name, String text, Map<String, Object> model) throws IOException {
        try {
            Template t = new Template(name, new StringReader(text), config);
            StringWriter out = new StringWriter();
            t.process(model, out);
            return out.toString();
        } catch (TemplateException e) {
            throw new IOException(name + ": " + e.getMessageWithoutStackTop().lines().findFirst().orElse(""), e);
        }
    }

    public void renderFile(Path template, Path out, Map<String, Object> model) throws IOException {
        String text = Files.readString(template, StandardCharsets.UTF_8);
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(render(template.getFileName().toString(), text, model));
        }
    }
}
