package io.ingot.media;
import java.nio.file.Path;
import java.util.function.Consumer;
public class TinyInstallMedia { public TinyInstallMedia(Path c, Consumer<String> p) {} public Path ensureIso() throws java.io.IOException { return null; } }
