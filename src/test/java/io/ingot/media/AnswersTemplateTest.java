package io.ingot.media;

import freemarker.template.Configuration;
import freemarker.template.Template;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Renders the tiny-linux answer file with FreeMarker and reads it back with a real sh, as the installer does. */
class AnswersTemplateTest {

    private static final Path TEMPLATE_DIR = Path.of("recipes/tiny-linux/http");

    @Test
    void valuesSurviveRenderingAndShellReading(@TempDir Path dir) throws Exception {
        Map<String, Object> model = new HashMap<>();
        model.put("name", "tiny1");
        model.put("sshPublicKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb+A36nm ingot@build\n"
                + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJnOwRCTIE it's-me\n");
        model.put("root_password_hash", "$6$salt$Ab/cd.EF");
        model.put("target_disk", "/dev/vdb");

        Map<String, String> read = renderAndRead(dir, model);

        assertEquals("tiny1", read.get("HOSTNAME"));
        assertEquals("/dev/vdb", read.get("TARGET_DISK"));
        assertEquals("root", read.get("SSH_USER"));
        assertEquals("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb+A36nm ingot@build\n"
                + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJnOwRCTIE it's-me", read.get("SSH_AUTHORIZED_KEYS"));
        assertEquals("$6$salt$Ab/cd.EF", read.get("ROOT_PASSWORD_HASH"));
    }

    @Test
    void optionalRecipeVariablesHaveDefaults(@TempDir Path dir) throws Exception {
        Map<String, Object> model = new HashMap<>();
        model.put("name", "tiny2");
        model.put("sshPublicKey", "ssh-ed25519 AAAA key");

        Map<String, String> read = renderAndRead(dir, model);

        assertEquals("/dev/vda", read.get("TARGET_DISK"));
        assertEquals("", read.get("ROOT_PASSWORD_HASH"));
    }

    private static Map<String, String> renderAndRead(Path dir, Map<String, Object> model) throws Exception {
        Configuration cfg = new Configuration(Configuration.VERSION_2_3_34);
        cfg.setDirectoryForTemplateLoading(TEMPLATE_DIR.toFile());
        cfg.setDefaultEncoding("UTF-8");
        Template template = cfg.getTemplate("answers.cfg.ftl");
        StringWriter out = new StringWriter();
        template.process(model, out);
        Path answers = dir.resolve("answers.cfg");
        Files.writeString(answers, out.toString());

        Map<String, String> values = new HashMap<>();
        for (String key : new String[] {"HOSTNAME", "TARGET_DISK", "SSH_USER", "SSH_AUTHORIZED_KEYS", "ROOT_PASSWORD_HASH"}) {
            Process sh = new ProcessBuilder("sh", "-c", ". \"$1\" && printf %s \"$" + key + "\"", "sh", answers.toString())
                    .redirectErrorStream(true).start();
            String value = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, sh.waitFor(), "sh could not read " + answers + ": " + value);
            values.put(key, value);
        }
        return values;
    }
}
