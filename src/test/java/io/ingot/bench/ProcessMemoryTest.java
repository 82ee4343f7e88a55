package io.ingot.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProcessMemoryTest {
    @Test
    void theTranslationCacheIsThePssOfAnonymousExecutableMappings() {
        ProcessMemory m = ProcessMemory.parse(List.of(
                "7f0000000000-7f0004000000 rwxp 00000000 00:00 0 ",
                "Size:              65536 kB",
                "Pss:               40000 kB",
                "VmFlags: rd wr ex mr mw me ac",
                "7f1000000000-7f1040000000 rw-p 00000000 fe:01 1234                       /images/templates/t/1/ram/memory",
                "Pss:               12000 kB",
                "7f2000000000-7f2000100000 r-xp 00000000 fe:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6",
                "Pss:                 300 kB",
                "7f3000000000-7f3000200000 rw-p 00000000 00:00 0 ",
                "Pss:                5000 kB"));
        assertEquals(57300, m.pssKiB());
        assertEquals(40000, m.translationCacheKiB(), "a file's executable mapping (libc) is not the cache");
        assertEquals(17300, m.withoutTranslationCacheKiB());
    }

    @Test
    void thisProcessHasAPss() throws IOException {
        ProcessMemory m = ProcessMemory.of(ProcessHandle.current().pid());
        assertTrue(m.pssKiB() > 1000 && m.translationCacheKiB() < m.pssKiB(), m.toString());
    }
}
