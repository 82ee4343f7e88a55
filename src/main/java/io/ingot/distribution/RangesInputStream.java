package io.ingot.distribution;

import io.ingot.qemu.QemuImg;
import io.ingot.util.ProgressBar;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** Runs of a file read one after the other as one stream: what a push uploads of a sparse file (its data extents). */
final class RangesInputStream extends InputStream {
    private final FileChannel ch;
    private final List<QemuImg.Extent> ranges;
    private final ProgressBar bar;
    private final Path file;
    private int range;
    private long inRange;
    private long read;

    /** {@code bar}: hears the bytes read so far (null: none). */
    RangesInputStream(Path file, List<QemuImg.Extent> ranges, ProgressBar bar) throws IOException {
        this.ch = FileChannel.open(file, StandardOpenOption.READ);
        this.ranges = List.copyOf(ranges);
        this.bar = bar;
        this.file = file;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        while (range < ranges.size() && inRange == ranges.get(range).length()) {
            range++;
            inRange = 0;
        }
        if (range == ranges.size()) return -1;
        if (len == 0) return 0;
        QemuImg.Extent r = ranges.get(range);
        int want = (int) Math.min(len, r.length() - inRange);
        int n = ch.read(ByteBuffer.wrap(b, off, want), r.start() + inRange);
        if (n < 0) throw new IOException(file + " shrank while being pushed");
        inRange += n;
        read += n;
        if (bar != null) bar.update(read);
        return n;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
