package io.ingot.fleet;

import io.ingot.util.UserError;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.filter.impl.FilterImpl;
import org.apache.activemq.artemis.core.message.impl.CoreMessage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A worker's selector, evaluated by Artemis's own filter on messages as the daemon sends them. */
class WorkerProfileTest {
    private final WorkerProfile tcgWorker = new WorkerProfile("w1", "host", 2, List.of("tcg", "x86_64", "s3", "gpu"), List.of("s3:fleet/t"));

    @Test
    void aRequestReachesOnlyWorkersWithEveryLabelItRequiresAndItsDelivery() throws Exception {
        assertTrue(matches(tcgWorker, "s3:fleet/t", List.of()));
        assertTrue(matches(tcgWorker, "s3:fleet/t", List.of("x86_64", "gpu")));
        assertFalse(matches(tcgWorker, "s3:fleet/t", List.of("kvm")), "no kvm here");
        assertFalse(matches(tcgWorker, "s3:fleet/t", List.of("x86_64", "kvm")), "every label, not one of them");
        assertFalse(matches(tcgWorker, "local", List.of()), "a worker on another host cannot publish in the daemon's catalog");
        WorkerProfile kvm = new WorkerProfile("w2", "host", 1, List.of("kvm", "x86_64"), List.of("local", "s3:fleet/t"));
        assertTrue(matches(kvm, "local", List.of("kvm")));
        List<String> eight = List.of("kvm", "x86_64", "kvm", "kvm", "kvm", "kvm", "kvm", "x86_64");
        assertTrue(matches(kvm, "local", eight), "all eight required labels are tested");
    }

    @Test
    void badLabelsAndConcurrencyAreOneLine() {
        assertThrows(UserError.class, () -> new WorkerProfile("w", "h", 0, List.of(), List.of("local")));
        UserError e = assertThrows(UserError.class, () -> new WorkerProfile("w", "h", 1, List.of("Big GPU"), List.of("local")));
        assertTrue(e.getMessage().contains("'Big GPU' is not a label"), e.getMessage());
        assertEquals("x86_64", WorkerProfile.arch("amd64"));
        assertEquals("aarch64", WorkerProfile.arch("aarch64"));
    }

    private static boolean matches(WorkerProfile p, String deliver, List<String> requires) throws Exception {
        CoreMessage m = new CoreMessage(1, 100);
        m.putStringProperty(FleetNames.DELIVER, deliver);
        for (int i = 0; i < requires.size(); i++) m.putStringProperty(FleetNames.REQUIRES + i, requires.get(i));
        return FilterImpl.createFilter(SimpleString.of(p.selector())).match(m);
    }
}
