package io.ingot.recipe;

import io.ingot.recipe.BootAction.Key;
import io.ingot.recipe.BootAction.Type;
import io.ingot.recipe.BootAction.Wait;
import io.ingot.recipe.BootAction.WaitFor;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BootCommandTest {

    @Test
    void textKeysAndWaitsBecomeActionsInOrder() {
        assertEquals(List.of(new Key("esc"), new Wait(Duration.ofSeconds(1)), new Type("auto url=http://10.0.2.2/"),
                        new Key("enter")),
                BootCommand.parse("<esc><wait>auto url=http://10.0.2.2/<enter>"));
    }

    @Test
    void everyKeyTokenIsKnownAndLowerCased() {
        assertEquals(List.of(new Key("pageup"), new Key("pagedown"), new Key("f12"), new Key("return"),
                        new Key("spacebar"), new Key("bs"), new Key("del"), new Key("insert"), new Key("home"), new Key("end")),
                BootCommand.parse("<pageUp><pageDown><F12><return><spacebar><bs><del><insert><home><end>"));
    }

    @Test
    void waitTokensTakeSecondsByDefaultAndUnits() {
        assertEquals(List.of(new Wait(Duration.ofSeconds(5)), new Wait(Duration.ofSeconds(5)),
                        new Wait(Duration.ofMillis(500)), new Wait(Duration.ofMinutes(1))),
                BootCommand.parse("<wait5><wait5s><wait500ms><wait1m>"));
    }

    @Test
    void waitForTakesASingleQuotedRegexWithEscapedQuotes() {
        assertEquals(List.of(new WaitFor("login: "), new Type("root"), new Key("enter"), new WaitFor("it's (up|ready)")),
                BootCommand.parse("<waitFor 'login: '>root<enter><waitFor 'it\\'s (up|ready)'>"));
    }

    @Test
    void aLessThanThatStartsNoTokenIsTyped() {
        assertEquals(List.of(new Type("a < b && c<<d <3 <x y> <>")), BootCommand.parse("a < b && c<<d <3 <x y> <>"));
        assertEquals(List.of(new Type("echo <"), new Key("enter")), BootCommand.parse("echo <<enter>"));
    }

    @Test
    void anUnknownTokenIsRefusedWithTheNearestKnownOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("x<entr>"));
        assertEquals("unknown token <entr> (did you mean <enter>?)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("<f13>"));
        assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("<waitms>"));
    }

    @Test
    void anUnclosedWaitForOrABadRegexIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("<waitFor 'boot:>"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("<waitFor '(a'>"));
        assertEquals("invalid regular expression in <waitFor '(a'>: Unclosed group", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BootCommand.parse("<waitFor \"x\">"));
    }

    @Test
    void anEmptyLineHasNoActions() {
        assertEquals(List.of(), BootCommand.parse(""));
    }
}
