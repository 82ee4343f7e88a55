package io.ingot.storage;

import java.nio.file.Path;

/** Where one template version's files are on one storage. */
public record TemplateFiles(String storage, String template, int version, Path dir, Path baseImage, String format, Path manifest) { }
