package io.ingot.storage;

import java.nio.file.Path;

/**
 * Where one template version is on one storage: its folder (RAM template files, the manifest) and its base image.
 */
public record TemplateFiles(String storage, String template, int version, Path dir, Volume baseImage, Path manifest) {
    public String format() { return baseImage.format(); }
}
