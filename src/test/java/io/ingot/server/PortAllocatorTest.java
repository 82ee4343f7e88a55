package io.ingot.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PortAllocatorTest {
    @TempDir Path tmp;

    @Test
    void concurrentAllocationsGetDistinctFreePorts() throws Exception {
        PortAllocator allocator = new PortAllocator(tmp.resolve("ports"));
        int threads = 16;
        int perThread = 10;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<PortLease>>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                go.await();
                List<PortLease> mine = new ArrayList<>();
                for (int i = 0; i < perThread; i++) mine.add(allocator.allocate());
                return mine;
            }));
        }
        go.countDown();
        List<PortLease> all = new ArrayList<>();
        for (Future<List<PortLease>> f : results) all.addAll(f.get());
        pool.shutdown();

        Set<Integer> ports = new HashSet<>();
        for (PortLease lease : all) ports.add(lease.port());
        assertEquals(threads * perThread, ports.size(), "two leases got the same port");
        for (PortLease lease : all) {
            assertTrue(Files.exists(tmp.resolve("ports/" + lease.port() + ".lock")));
            // the port is really free for its holder to bind
            try (ServerSocket s = new ServerSocket(lease.port(), 1, InetAddress.getLoopbackAddress())) {
                assertEquals(lease.port(), s.getLocalPort());
            }
            lease.close();
            assertFalse(lease.isHeld());
        }
    }

    @Test
    void aPortLockedByAnotherProcessIsSkippedAndFreedWhenThatProcessEnds() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("ports"));
        PortAllocator allocator = new PortAllocator(dir);
        int port;
        try (PortLease probe = allocator.allocate()) {
            port = probe.port();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process holder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                PortHolder.class.getName(), dir.toString(), Integer.toString(port)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            assertNull(allocator.tryReserve(port), "port " + port + " reserved twice across processes");
        } finally {
            holder.getOutputStream().close(); // the holder exits when its stdin closes
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        try (PortLease again = allocator.tryReserve(port)) {
            assertNotNull(again, "lock not freed when its process ended");
        }
    }

    @Test
    void aLeaseInThisProcessBlocksTheSamePortUntilClosed() {
        PortAllocator allocator = new PortAllocator(tmp.resolve("ports"));
        PortLease lease = allocator.allocate();
        assertNull(allocator.tryReserve(lease.port()));
        lease.close();
        try (PortLease again = allocator.tryReserve(lease.port())) {
            assertNotNull(again);
        }
    }

    /** Child process: locks one port file the way PortAllocator does, then waits for stdin to close. */
    public static final class PortHolder {
        public static void main(String[] args) throws Exception {
            PortLease lease = new PortAllocator(Path.of(args[0])).tryReserve(Integer.parseInt(args[1]));
            System.out.println(lease != null ? "locked" : "busy");
            System.out.flush();
            System.in.read();
        }
    }
}
