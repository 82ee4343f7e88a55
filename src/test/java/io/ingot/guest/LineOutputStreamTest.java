package io.ingot.guest;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LineOutputStreamTest {
    @Test
    void multiByteCharactersSplitAcrossWritesStayWhole() {
        List<String> lines = new ArrayList<>();
        LineOutputStream out = new LineOutputStream(lines::add);
        byte[] bytes = "grüße\r\nnext".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) out.write(new byte[] {b}, 0, 1);
        assertEquals(List.of("grüße"), lines);
        out.close();
        assertEquals(List.of("grüße", "next"), lines);
    }

    @Test
    void endlessLineIsPassedOnInBoundedChunks() {
        List<String> lines = new ArrayList<>();
        LineOutputStream out = new LineOutputStream(lines::add);
        byte[] big = "x".repeat(LineOutputStream.MAX_LINE * 2 + 5).getBytes(StandardCharsets.US_ASCII);
        out.write(big, 0, big.length);
        out.close();
        assertEquals(3, lines.size());
        assertEquals(LineOutputStream.MAX_LINE, lines.get(0).length());
        assertEquals(5, lines.get(2).length());
    }
}
