package io.ingot.pipeline.stage;

import io.ingot.pipeline.AnswerService;
import io.ingot.pipeline.BuildContext;
import io.ingot.pipeline.Stage;
import io.ingot.server.AnswerFileServer;
import io.ingot.server.PortAllocator;
import io.ingot.server.PortLease;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serves the build's answer files on 127.0.0.1 (the guest reaches it as 10.0.2.2 through QEMU user
 * networking), on a port allocated centrally so parallel builds never clash; each request is logged.
 */
public final class AnswerServerStage implements Stage {
    private final PortAllocator ports;

    public AnswerServerStage(PortAllocator ports) { this.ports = ports; }

    @Override
    public String name() { return "answer-server"; }

    @Override
    public void run(BuildContext build) throws Exception {
        Path dir = build.buildDir().resolve("http");
        Files.createDirectories(dir);
        PortLease lease = build.held(this).add(ports.allocate());
        AnswerFileServer server = build.held(this).add(
                new AnswerFileServer(dir, lease.port(), line -> build.log().output("http", line)).start());
        build.answers(new AnswerService(dir, server.port()));
        build.log().info("answer files served at http://127.0.0.1:" + server.port() + "/ (guest: http://10.0.2.2:"
                + server.port() + "/)");
    }

    /** The server stops and its port is free again once the build is over. */
    @Override
    public void cleanup(BuildContext build) throws Exception {
        build.held(this).close();
    }
}
