package io.ingot.daemon;

import io.ingot.server.http.HttpError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Range headers of downloads: what is served, and 416 (with the size) for everything else, however large. */
class FilesApiTest {
    @Test
    void rangesWithinTheFileAreServed() {
        assertArrayEquals(new long[] {100, 199}, FilesApi.range("bytes=100-199", 1000));
        assertArrayEquals(new long[] {100, 999}, FilesApi.range("bytes=100-", 1000));
        assertArrayEquals(new long[] {900, 999}, FilesApi.range("bytes=-100", 1000));
        assertArrayEquals(new long[] {0, 999}, FilesApi.range("bytes=-5000", 1000));
        assertArrayEquals(new long[] {990, 999}, FilesApi.range("bytes=990-5000", 1000));
    }

    @Test
    void rangesPastTheEndOrPastALongAre416() {
        for (String r : new String[] {"bytes=1000-", "bytes=5-4", "bytes=99999999999999999999-", "bytes=-99999999999999999999",
                "bytes=990-99999999999999999999999",
                "bytes=0-1,5-6", "items=0-1", "bytes=-", "bytes=-0"}) {
            HttpError e = assertThrows(HttpError.class, () -> FilesApi.range(r, 1000), r);
            assertEquals(416, e.status(), r);
            assertEquals("bytes */1000", e.headers().get("Content-Range"), r);
        }
    }
}
