package io.ingot.cli;

import io.ingot.guest.SshNotReady;
import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How a failed command ends: one line on stderr, with the exit code a script can tell apart. */
class MainFailureTest {

    private static String said(Exception e, int expectedCode) {
        StringWriter err = new StringWriter();
        assertEquals(expectedCode, Main.failed(e, new PrintWriter(err, true)));
        return err.toString();
    }

    @Test
    void aGuestThatDidNotAnswerIsAFailureInOneLineNotAnInternalError() {
        assertEquals("ingot: SSH to 127.0.0.1:58589 as root did not answer within 2m" + System.lineSeparator(),
                said(new SshNotReady("SSH to 127.0.0.1:58589 as root did not answer within 2m", "connection refused"), 1));
    }

    @Test
    void badInputExitsWithTwo() {
        assertEquals("ingot: no template 'x'" + System.lineSeparator(), said(new UserError("no template 'x'"), 2));
    }

    @Test
    void aBugIsNamedAnInternalError() {
        assertEquals("ingot: internal error: java.lang.IllegalStateException: oops" + System.lineSeparator(),
                said(new IllegalStateException("oops"), 1));
    }
}
