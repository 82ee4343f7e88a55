package io.ingot.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import io.ingot.util.Command;
import io.ingot.util.Json;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading QEMU's answers (as QEMU 7.2 and Debian's 10.0 give them) into features. */
class QemuFeatureProbeTest {
    private static final Command.Result NO_RUN_WITH = new Command.Result(1, "", "qemu-system-x86_64: -run-with: invalid option\n");
    /** Debian's 10.0.2: -run-with exists, but without exit-with-parent. */
    private static final Command.Result RUN_WITH_DEBIAN_10 = new Command.Result(1,
            "run-with options:\n  async-teardown=<bool (on/off)>\n  chroot=<str>\n  user=<str>\n", "");
    private static final Command.Result RUN_WITH_UPSTREAM = new Command.Result(1,
            "run-with options:\n  async-teardown=<bool (on/off)>\n  chroot=<str>\n  exit-with-parent=<bool (on/off)>\n  user=<str>\n", "");
    private static final Command.Result BACKEND_7_2 = new Command.Result(0,
            "memory-backend-file options:\n  align=<size>\n  mem-path=<string>\n  readonly=<bool>\n  share=<bool>\n", "");
    private static final Command.Result BACKEND_10 = new Command.Result(0,
            "memory-backend-file options:\n  mem-path=<string>\n  readonly=<bool>\n  rom=<OnOffAuto>\n  share=<bool>\n", "");

    private static Map<String, JsonNode> qmp(String caps, String transports) throws Exception {
        return Map.of("migrate", Json.MAPPER.readTree(caps), "schema", Json.MAPPER.readTree(
                "[{\"name\":\"12\",\"meta-type\":\"enum\",\"values\":[\"a\",\"b\"]},"
                        + "{\"name\":\"776\",\"meta-type\":\"enum\",\"values\":" + transports + "}]"));
    }

    @Test
    void qemu72HasNoneOfThem() throws Exception {
        QemuFeatures f = QemuFeatureProbe.interpret(NO_RUN_WITH, BACKEND_7_2,
                qmp("[{\"capability\":\"x-ignore-shared\",\"state\":false}]", "[\"socket\",\"exec\",\"rdma\"]"));
        assertEquals(new QemuFeatures(false, false, false, false), new QemuFeatures(f.memoryBackendRom(), f.fileMigration(),
                f.mappedRam(), f.exitWithParent()));
        assertEquals("not listed by -run-with help (no -run-with option)", f.how().get(QemuFeatures.EXIT_WITH_PARENT));
        assertEquals("no 'file' among the migration transports of query-qmp-schema", f.how().get(QemuFeatures.FILE_MIGRATION));
    }

    @Test
    void debiansQemu10HasTheMigrationFeaturesButNotExitWithParent() throws Exception {
        QemuFeatures f = QemuFeatureProbe.interpret(RUN_WITH_DEBIAN_10, BACKEND_10,
                qmp("[{\"capability\":\"x-ignore-shared\",\"state\":false},{\"capability\":\"mapped-ram\",\"state\":false}]",
                        "[\"socket\",\"exec\",\"rdma\",\"file\"]"));
        assertTrue(f.memoryBackendRom());
        assertTrue(f.fileMigration());
        assertTrue(f.mappedRam());
        assertFalse(f.exitWithParent(), "Debian's 10.0 rejects -run-with exit-with-parent=on");
        assertEquals("not listed by -run-with help", f.how().get(QemuFeatures.EXIT_WITH_PARENT));
        assertEquals("listed by query-migrate-capabilities", f.how().get(QemuFeatures.MAPPED_RAM));
        assertEquals(Tether.WATCHDOG, Tether.forBuildVm(f, false));
    }

    @Test
    void exitWithParentWhereRunWithListsIt() throws Exception {
        QemuFeatures f = QemuFeatureProbe.interpret(RUN_WITH_UPSTREAM, BACKEND_10,
                qmp("[]", "[\"socket\",\"exec\",\"file\"]"));
        assertTrue(f.exitWithParent());
        assertEquals("listed by -run-with help", f.how().get(QemuFeatures.EXIT_WITH_PARENT));
    }

    @Test
    void noQmpAnswerMeansNoMigrationFeatures() {
        QemuFeatures f = QemuFeatureProbe.interpret(NO_RUN_WITH, BACKEND_10, Map.of());
        assertTrue(f.memoryBackendRom());
        assertFalse(f.fileMigration());
        assertFalse(f.mappedRam());
        assertEquals("QMP did not answer", f.how().get(QemuFeatures.MAPPED_RAM));
    }
}
