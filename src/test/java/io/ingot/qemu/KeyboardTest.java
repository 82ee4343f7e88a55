package io.ingot.qemu;

import io.ingot.util.UserError;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyboardTest {
    @Test
    void lettersDigitsAndCapitals() {
        assertEquals(List.of("a"), Keyboard.qcodes('a'));
        assertEquals(List.of("7"), Keyboard.qcodes('7'));
        assertEquals(List.of("shift", "a"), Keyboard.qcodes('A'));
        assertEquals(List.of("shift", "z"), Keyboard.qcodes('Z'));
        assertEquals(List.of("spc"), Keyboard.qcodes(' '));
    }

    @Test
    void shiftedSymbolsUseTheirUsKey() {
        String shifted = "!@#$%^&*()_+{}|:\"<>?~";
        List<String> base = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "minus", "equal",
                "bracket_left", "bracket_right", "backslash", "semicolon", "apostrophe", "comma", "dot", "slash", "grave_accent");
        for (int i = 0; i < shifted.length(); i++) {
            assertEquals(List.of("shift", base.get(i)), Keyboard.qcodes(shifted.charAt(i)), "for " + shifted.charAt(i));
        }
    }

    @Test
    void unshiftedSymbols() {
        assertEquals(List.of("minus"), Keyboard.qcodes('-'));
        assertEquals(List.of("equal"), Keyboard.qcodes('='));
        assertEquals(List.of("slash"), Keyboard.qcodes('/'));
        assertEquals(List.of("dot"), Keyboard.qcodes('.'));
        assertEquals(List.of("semicolon"), Keyboard.qcodes(';'));
        assertEquals(List.of("apostrophe"), Keyboard.qcodes('\''));
        assertEquals(List.of("grave_accent"), Keyboard.qcodes('`'));
        assertEquals(List.of("backslash"), Keyboard.qcodes('\\'));
    }

    @Test
    void specialKeys() {
        assertEquals("ret", Keyboard.qcodeForKey("enter"));
        assertEquals("ret", Keyboard.qcodeForKey("return"));
        assertEquals("backspace", Keyboard.qcodeForKey("bs"));
        assertEquals("delete", Keyboard.qcodeForKey("del"));
        assertEquals("spc", Keyboard.qcodeForKey("spacebar"));
        assertEquals("pgdn", Keyboard.qcodeForKey("pagedown"));
        assertEquals("f12", Keyboard.qcodeForKey("F12"));
        assertEquals("esc", Keyboard.qcodeForKey("esc"));
    }

    @Test
    void unknownKeyAndNonAsciiAreUserErrors() {
        UserError e = assertThrows(UserError.class, () -> Keyboard.qcodeForKey("f13"));
        assertTrue(e.getMessage().contains("<f13>"), e.getMessage());
        UserError e2 = assertThrows(UserError.class, () -> Keyboard.qcodes('é'));
        assertTrue(e2.getMessage().contains("U+00E9"), e2.getMessage());
    }
}
