package io.ingot.target.libvirt;

import io.ingot.util.Command;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class VirshTest {
    @Test
    void libvirtsErrorsBecomeOneLine() {
        Command.Result define = new Command.Result(1, "", "error: Failed to define domain from /tmp/ingot-libvirt-1/domain.xml\n"
                + "error: XML error: name web\n1 cannot contain '\\n'\n");
        assertEquals("XML error: name web; 1 cannot contain '\\n'", Virsh.oneLine(define), "the scratch file's line is left out");
        Command.Result connect = new Command.Result(1, "", "error: failed to connect to the hypervisor\n"
                + "error: unable to connect to server at '127.0.0.1:1': Connection refused\n");
        assertEquals("failed to connect to the hypervisor; unable to connect to server at '127.0.0.1:1': Connection refused",
                Virsh.oneLine(connect));
        assertEquals("virsh exited with 3", Virsh.oneLine(new Command.Result(3, "", "")));
    }

    @Test
    void controlCharactersAreShownEscaped() {
        assertEquals("pit\\nx\\x09y", Virsh.printable("pit\nx\ty"));
    }
}
