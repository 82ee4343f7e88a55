package io.ingot.server.http;

import org.apache.commons.io.input.BoundedInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Bytes {@code start..end} (inclusive) of a file of {@code size} bytes, to send as a download: the whole file
 * (200) or the range a client asked for (206). {@code headOnly}: answer a HEAD, headers only.
 */
public record FileSlice(Path file, long start, long end, long size, String sha256, boolean partial, boolean headOnly) {

    public long length() { return end - start + 1; }

    /** The slice's bytes; the file is opened without following a symbolic link. */
    public InputStream open() throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            ch.position(start);
            return BoundedInputStream.builder().setInputStream(Channels.newInputStream(ch)).setMaxCount(length()).get();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }
}
