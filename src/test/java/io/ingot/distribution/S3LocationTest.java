package io.ingot.distribution;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class S3LocationTest {
    @Test
    void pushTargets() {
        assertEquals(new S3Location("templates", ""), S3Location.parse("s3://templates"));
        S3Location l = S3Location.parse("s3://templates/site-a/eu/");
        assertEquals("site-a/eu", l.prefix());
        assertEquals("site-a/eu/tiny/3/disk.qcow2", l.versionKey("tiny", 3, "disk.qcow2"));
        assertEquals("tiny/channels/stable", S3Location.parse("s3://templates").channelKey("tiny", "stable"));
    }

    @Test
    void pullSources() {
        S3Location.Source s = S3Location.parseSource("s3://templates/site-a/tiny-linux@stable");
        assertEquals("site-a", s.location().prefix());
        assertEquals("tiny-linux", s.ref().name());
        assertEquals("stable", s.ref().channel());
        S3Location.Source v = S3Location.parseSource("s3://templates/tiny-linux:4");
        assertEquals("", v.location().prefix());
        assertEquals(4, v.ref().version());
        assertNull(S3Location.parseSource("s3://templates/tiny-linux").ref().version());
    }

    @Test
    void badUrlsAreUserErrors() {
        assertTrue(assertThrows(UserError.class, () -> S3Location.parse("http://x/y")).getMessage().contains("s3://BUCKET"));
        assertTrue(assertThrows(UserError.class, () -> S3Location.parse("s3://Bad_Bucket")).getMessage().contains("bucket name"));
        assertTrue(assertThrows(UserError.class, () -> S3Location.parseSource("s3://templates")).getMessage().contains("no template"));
    }
}
