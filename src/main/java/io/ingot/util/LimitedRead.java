package io.ingot.util;

import java.io.IOException;
import java.io.InputStream;

/**
 * What another host answers, read no further than a limit: an answer of megabytes where a few KiB are expected is
 * refused, never held in memory whole. (HttpClient's {@code ofString} and the S3 SDK's {@code getObjectAsBytes} read
 * whatever comes.)
 */
public final class LimitedRead {
    /** The most a JSON answer from another host may hold: a manifest, a file list, a build's status are a few KiB. */
    public static final int JSON_ANSWER = 1 << 20;

    private LimitedRead() { }

    /**
     * All of {@code in}, which is closed after (an HTTP body closed early is cancelled, not read to its end).
     *
     * @param what names the answer in the refusal, e.g. its URL
     * @param why  why no more is expected, e.g. "a manifest is never that large"
     * @throws UserError {@code WHAT: more than 1M (refused; WHY)} when {@code in} holds more than {@code max} bytes
     */
    public static byte[] read(InputStream in, int max, String what, String why) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) throw new UserError(what + ": more than " + Sizes.format(max) + " (refused; " + why + ")");
            return b;
        }
    }
}
