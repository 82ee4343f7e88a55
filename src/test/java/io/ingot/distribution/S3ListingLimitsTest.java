package io.ingot.distribution;

import io.ingot.images.ImageStore;
import io.ingot.it.LoopbackHttp;
import io.ingot.util.IngotPaths;
import io.ingot.util.UserError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ingot s3 pull s3://BUCKET/NAME} (no version: the newest, found by listing) against an S3 endpoint on loopback
 * that lists what no bucket of ingot's holds: a listing that goes on page after page, a page of megabytes. Refused
 * with one line, read no further than the caps.
 */
class S3ListingLimitsTest {
    @TempDir Path tmp;
    private LoopbackHttp server;
    private final AtomicInteger pages = new AtomicInteger();
    private volatile int pageBytes;

    @BeforeEach
    void serve() throws IOException {
        server = new LoopbackHttp().route("/", ex -> {
            ex.getRequestBody().readAllBytes();
            int page = pages.incrementAndGet();
            StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    + "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Name>fake</Name>"
                    + "<Prefix>site/evil/</Prefix><Delimiter>/</Delimiter><MaxKeys>1000</MaxKeys>");
            if (pageBytes > 0) xml.append("<!-- ").append("x".repeat(pageBytes)).append(" -->");
            // 300 pages of 1000 names that are no version, then the end: the client must stop well before
            boolean more = page < 300;
            xml.append("<IsTruncated>").append(more).append("</IsTruncated>");
            if (more) xml.append("<NextContinuationToken>t").append(page).append("</NextContinuationToken>");
            for (int i = 0; i < 1000; i++) xml.append("<CommonPrefixes><Prefix>site/evil/x").append(page).append('-').append(i).append("/</Prefix></CommonPrefixes>");
            xml.append("</ListBucketResult>");
            byte[] body = xml.toString().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/xml");
            ex.sendResponseHeaders(200, body.length);
            OutputStream out = ex.getResponseBody();
            out.write(body);
        }).start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void aListingThatGoesOnIsCut() {
        UserError e = pull();
        assertEquals("s3://fake/site: more than 100000 entries under evil/ (refused; pull a version by number: evil:N)", e.getMessage());
        assertTrue(pages.get() <= 101, pages.get() + " pages read");
    }

    @Test
    void aListingPageOfMegabytesIsNotRead() {
        pageBytes = 10 << 20;
        UserError e = pull();
        assertEquals("S3: an answer of more than 8M to ListObjectsV2 (refused; a listing page is a few hundred KiB)", e.getMessage());
        assertEquals(1, pages.get());
    }

    private UserError pull() {
        ImageStore store = ImageStore.open(new IngotPaths(tmp, tmp.resolve("images"), tmp.resolve("cache"), tmp.resolve("images/.ingot")));
        S3Clients clients = new S3Clients(Map.of("AWS_ACCESS_KEY_ID", "k", "AWS_SECRET_ACCESS_KEY", "s", "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL", server.url()));
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            try (S3Client s3 = clients.create()) {
                return assertThrows(UserError.class, () -> new S3Pull(store, s3, line -> { }, n -> { }).pull("s3://fake/site/evil", null));
            }
        });
    }
}
