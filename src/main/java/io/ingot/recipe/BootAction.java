package io.ingot.recipe;

import java.time.Duration;

/**
 * One step of a boot command once its Packer-style tokens are parsed:
 * text to type, a special key ({@code <enter>}, {@code <f2>}, ...), a wait, or a wait for the serial console.
 */
public sealed interface BootAction {
    /** Literal characters typed one by one (US layout; shifted symbols handled by the keyboard). */
    record Type(String text) implements BootAction { }

    /** A special key by its token name without brackets: enter, esc, tab, bs, del, up, down, left, right, f1..f12, spacebar. */
    record Key(String name) implements BootAction { }

    /** {@code <wait>} (1s), {@code <wait5s>}, {@code <wait500ms>}. */
    record Wait(Duration duration) implements BootAction { }

    /** {@code <waitFor 'regex'>}: wait until the serial console output matches. */
    record WaitFor(String regex) implements BootAction { }
}
