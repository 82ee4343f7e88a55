package io.ingot.pipeline;

import java.nio.file.Path;

/** The disk the build VMs run on, made by the create-disk stage: the recipe's format, or qcow2 for an overlay. */
public record BuildDisk(Path path, String format) { }
