package io.ingot.pipeline;

import java.nio.file.Path;

/** The build's answer-file server: the directory it serves (the rendered answer files) and its loopback port. */
public record AnswerService(Path dir, int port) { }
