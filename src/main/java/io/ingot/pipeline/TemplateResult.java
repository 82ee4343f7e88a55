package io.ingot.pipeline;

import io.ingot.template.Manifest;

import java.nio.file.Path;

/** What the template stage made: the converted base image in the build directory (until publish moves it) and its manifest. */
public record TemplateResult(Path baseImage, Manifest manifest) { }
