package io.ingot.qemu;

import io.ingot.util.Durations;
import io.ingot.util.UserError;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Types into the VM through QMP {@code send-key}, US layout, and watches the serial log: the steps of a boot
 * command, given as plain values (the recipe's parsed command is walked by the boot-command stage).
 */
public final class Keyboard {
    private static final String UNSHIFTED = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./";
    private static final String SHIFTED = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";
    private static final Map<Character, String> SYMBOL_QCODES = Map.ofEntries(
            Map.entry('`', "grave_accent"), Map.entry('-', "minus"), Map.entry('=', "equal"),
            Map.entry('[', "bracket_left"), Map.entry(']', "bracket_right"), Map.entry('\\', "backslash"),
            Map.entry(';', "semicolon"), Map.entry('\'', "apostrophe"), Map.entry(',', "comma"),
            Map.entry('.', "dot"), Map.entry('/', "slash"));
    private static final Map<String, String> KEY_QCODES = Map.ofEntries(
            Map.entry("enter", "ret"), Map.entry("return", "ret"), Map.entry("esc", "esc"), Map.entry("tab", "tab"),
            Map.entry("bs", "backspace"), Map.entry("del", "delete"), Map.entry("up", "up"), Map.entry("down", "down"),
            Map.entry("left", "left"), Map.entry("right", "right"), Map.entry("spacebar", "spc"),
            Map.entry("insert", "insert"), Map.entry("home", "home"), Map.entry("end", "end"),
            Map.entry("pageup", "pgup"), Map.entry("pagedown", "pgdn"));
    private static final Duration POLL = Duration.ofMillis(100);

    private final Qmp qmp;
    private final Duration keyInterval;
    private final int holdMs;
    private final Path serialLog;
    private final Duration waitForTimeout;
    private final Consumer<String> log;

    /**
     * @param keyInterval    pause after each key (recipe {@code boot.keyInterval})
     * @param serialLog      the VM's serial console file, for {@code <waitFor>}
     * @param waitForTimeout how long one {@code <waitFor>} may wait
     * @param log            receives one line per action (the caller masks secrets)
     */
    public Keyboard(Qmp qmp, Duration keyInterval, Path serialLog, Duration waitForTimeout, Consumer<String> log) {
        this(qmp, keyInterval, 50, serialLog, waitForTimeout, log);
    }

    public Keyboard(Qmp qmp, Duration keyInterval, int holdMs, Path serialLog, Duration waitForTimeout, Consumer<String> log) {
        this.qmp = qmp;
        this.keyInterval = keyInterval;
        this.holdMs = holdMs;
        this.serialLog = serialLog;
        this.waitForTimeout = waitForTimeout;
        this.log = log;
    }

    /** Types literal characters one by one (US layout; shifted symbols pressed with shift). */
    public void typeText(String text) {
        log.accept("type: " + text);
        for (int i = 0; i < text.length(); i++) press(qcodes(text.charAt(i)));
    }

    /** Presses a special key by its token name without brackets: enter, esc, tab, f1..f12, ... */
    public void pressKey(String name) {
        log.accept("key: <" + name + ">");
        press(List.of(qcodeForKey(name)));
    }

    /** Waits before the next key. */
    public void pause(Duration duration) {
        log.accept("wait " + Durations.format(duration));
        sleep(duration);
    }

    /**
     * Waits until the serial log matches {@code regex}, searching from byte {@code offset} (0: its beginning);
     * returns the offset after the match, where the next wait-for searches from.
     */
    public long waitFor(String regex, long offset) {
        log.accept("waitFor '" + regex + "'");
        return waitFor(Pattern.compile(regex), offset);
    }

    private void press(List<String> qcodes) {
        qmp.sendKey(qcodes, holdMs);
        sleep(keyInterval);
    }

    /** The qcodes pressed together to type {@code c} on a US keyboard, e.g. {@code [shift, a]} for 'A'. */
    public static List<String> qcodes(char c) {
        if (c >= 'a' && c <= 'z' || c >= '0' && c <= '9') return List.of(String.valueOf(c));
        if (c == ' ') return List.of("spc");
        if (c == '\n') return List.of("ret");
        if (c == '\t') return List.of("tab");
        int shifted = SHIFTED.indexOf(c);
        if (shifted >= 0) return List.of("shift", qcodes(UNSHIFTED.charAt(shifted)).get(0));
        String symbol = SYMBOL_QCODES.get(c);
        if (symbol != null) return List.of(symbol);
        throw new UserError(String.format("boot command: cannot type '%s' (U+%04X) on a US keyboard", c, (int) c));
    }

    /** The qcode of a special key token ({@code enter}, {@code f5}, {@code pagedown}, ...). */
    public static String qcodeForKey(String name) {
        String n = name.toLowerCase();
        String q = KEY_QCODES.get(n);
        if (q != null) return q;
        if (n.matches("f([1-9]|1[0-2])")) return n;
        throw new UserError("boot command: unknown key <" + name + "> (known: " + String.join(", ", knownKeys()) + ")");
    }

    private static List<String> knownKeys() {
        List<String> keys = new ArrayList<>(KEY_QCODES.keySet());
        keys.sort(null);
        keys.add("f1..f12");
        return keys;
    }

    /** Polls the serial log until {@code regex} matches text from {@code offset}; returns the offset after the match. */
    long waitFor(Pattern regex, long offset) {
        long deadline = System.nanoTime() + waitForTimeout.toNanos();
        while (true) {
            String text = readFrom(offset);
            Matcher m = regex.matcher(text);
            if (m.find()) return offset + text.substring(0, m.end()).getBytes(StandardCharsets.ISO_8859_1).length;
            if (System.nanoTime() > deadline) {
                List<String> lines = Arrays.stream(text.split("\r?\n")).filter(l -> !l.isBlank()).toList();
                List<String> last = lines.subList(Math.max(0, lines.size() - 5), lines.size());
                throw new QemuException("boot command: <waitFor '" + regex.pattern() + "'> did not match the serial console within "
                        + Durations.format(waitForTimeout) + (last.isEmpty() ? "; the serial console is empty"
                        : "; last serial lines:\n  " + String.join("\n  ", last)));
            }
            sleep(POLL);
        }
    }

    private String readFrom(long offset) {
        if (!Files.exists(serialLog)) return "";
        try (RandomAccessFile f = new RandomAccessFile(serialLog.toFile(), "r")) {
            long len = f.length();
            if (len <= offset) return "";
            byte[] buf = new byte[(int) Math.min(len - offset, 16 << 20)];
            f.seek(offset);
            f.readFully(buf);
            // ISO-8859-1 keeps one char per byte, so match positions map back to file offsets.
            return new String(buf, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new QemuException("cannot read the serial log " + serialLog + ": " + e.getMessage(), e);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QemuException("interrupted while typing the boot command");
        }
    }
}
