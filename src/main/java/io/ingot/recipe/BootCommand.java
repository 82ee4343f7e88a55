package io.ingot.recipe;

import io.ingot.util.Durations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Parses one boot command line with Packer-style tokens into {@link BootAction}s.
 *
 * <p>The rule for {@code <}: it starts a token only when a letter follows it directly and the
 * token's name (letters and digits) is closed by {@code >} without spaces, e.g. {@code <enter>},
 * {@code <wait5s>}; or when it is followed by {@code waitFor '}. Every other {@code <} is typed,
 * so {@code a < b} and {@code <<} are text. A token-shaped {@code <name>} whose name is not known is
 * an error (a typo such as {@code <entr>} must not be typed into the installer).
 */
public final class BootCommand {
    /** Key tokens; the action carries the name lower-cased as written. */
    public static final Set<String> KEYS = Set.of(
            "enter", "return", "esc", "tab", "bs", "del", "up", "down", "left", "right",
            "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11", "f12",
            "spacebar", "insert", "home", "end", "pageup", "pagedown");

    private static final Pattern TOKEN = Pattern.compile("<([A-Za-z][A-Za-z0-9]*)>");
    private static final Pattern WAIT = Pattern.compile("wait(\\d+)?(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);
    private static final String WAIT_FOR = "<waitFor '";

    private BootCommand() { }

    /**
     * @throws IllegalArgumentException for an unknown token, an unclosed {@code <waitFor '...'>}
     *         or an invalid regular expression; the message names the token.
     */
    public static List<BootAction> parse(String line) {
        List<BootAction> actions = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c != '<') {
                text.append(c);
                i++;
                continue;
            }
            if (line.regionMatches(true, i, WAIT_FOR, 0, WAIT_FOR.length())) {
                int end = waitForEnd(line, i + WAIT_FOR.length());
                String regex = unescape(line.substring(i + WAIT_FOR.length(), end));
                try {
                    Pattern.compile(regex);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException("invalid regular expression in <waitFor '" + regex + "'>: "
                            + e.getDescription());
                }
                flush(text, actions);
                actions.add(new BootAction.WaitFor(regex));
                i = end + 2; // past the closing quote and '>'
                continue;
            }
            if (line.regionMatches(true, i, "<waitFor", 0, 8)) {
                throw new IllegalArgumentException("write <waitFor 'regex'> with the regex in single quotes");
            }
            Matcher m = TOKEN.matcher(line).region(i, line.length());
            if (!m.lookingAt()) {
                text.append(c);
                i++;
                continue;
            }
            flush(text, actions);
            actions.add(token(m.group(1)));
            i = m.end();
        }
        flush(text, actions);
        return actions;
    }

    private static BootAction token(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (KEYS.contains(lower)) return new BootAction.Key(lower);
        Matcher w = WAIT.matcher(name);
        if (w.matches()) {
            if (w.group(1) == null) {
                if (w.group(2) != null) throw unknown(name);
                return new BootAction.Wait(Duration.ofSeconds(1));
            }
            String unit = w.group(2) == null ? "s" : w.group(2).toLowerCase(Locale.ROOT);
            try {
                return new BootAction.Wait(Durations.parse(w.group(1) + unit));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("token " + Problem.quote("<" + name + ">") + ": " + e.getMessage());
            }
        }
        throw unknown(name);
    }

    private static IllegalArgumentException unknown(String name) {
        List<String> known = new ArrayList<>(KEYS);
        known.addAll(List.of("wait", "wait5", "wait5s", "wait500ms", "wait1m", "waitFor"));
        String near = Suggest.nearest(name, known);
        return new IllegalArgumentException("unknown token <" + name + ">"
                + (near == null ? "" : " (did you mean <" + near + ">?)"));
    }

    /** Index of the closing {@code '} that is directly followed by {@code >}; {@code \'} is a quote inside. */
    private static int waitForEnd(String line, int from) {
        for (int j = from; j < line.length(); j++) {
            char c = line.charAt(j);
            if (c == '\\' && j + 1 < line.length() && line.charAt(j + 1) == '\'') {
                j++;
            } else if (c == '\'' && j + 1 < line.length() && line.charAt(j + 1) == '>') {
                return j;
            }
        }
        throw new IllegalArgumentException("unbalanced <waitFor '...': no closing '> after \""
                + line.substring(from - WAIT_FOR.length()) + "\"");
    }

    private static String unescape(String regex) {
        return regex.replace("\\'", "'");
    }

    private static void flush(StringBuilder text, List<BootAction> actions) {
        if (!text.isEmpty()) {
            actions.add(new BootAction.Type(text.toString()));
            text.setLength(0);
        }
    }
}
