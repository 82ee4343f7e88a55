package io.ingot.recipe;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.reader.ReaderException;

import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a recipe's bytes into a YAML node tree. Every way this can fail (bytes that are not UTF-8, a
 * syntax error, an alias bomb, nesting too deep) is one {@link Problem} at the line and column where
 * the problem starts, in ingot's words rather than the YAML library's.
 */
final class RecipeYaml {
    /** Values (scalars and collections) a recipe may have once its aliases are expanded. */
    static final int MAX_VALUES = 10_000;
    static final int MAX_DEPTH = 50;
    static final int MAX_CHARACTERS = 3 * 1024 * 1024;

    private static final Pattern FOUND = Pattern.compile("expected <block end>, but found '(.*)'");
    private static final Pattern BAD_START = Pattern.compile("found character '(.*?)' that cannot start any token.*");

    /** The text and its root node (null for an empty file), or the problem that stopped reading. */
    record Read(String text, Node root, Problem problem) { }

    private RecipeYaml() { }

    static Read read(Path file, byte[] bytes) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = utf8.decode(in, out, true);
        if (!result.isError()) result = utf8.flush(out);
        if (result.isError()) {
            int at = Math.min(in.position(), bytes.length - 1);
            String before = new String(bytes, 0, at, StandardCharsets.UTF_8);
            int[] position = position(before, before.length());
            return new Read(null, null, new Problem(file, position[0], position[1], String.format(
                    "not UTF-8: byte 0x%02X cannot be read as text here (save the recipe as UTF-8)", bytes[at] & 0xff)));
        }
        out.flip();
        return compose(file, out.toString());
    }

    static Read compose(Path file, String text) {
        if (text.length() > MAX_CHARACTERS) {
            int[] p = position(text, MAX_CHARACTERS);
            return new Read(text, null, new Problem(file, p[0], p[1], "the recipe is longer than "
                    + MAX_CHARACTERS + " characters, more than ingot reads"));
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // the validator reports them with both lines
        // the scan below refuses what these limits guard against, with a position; they must not fire first
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        options.setNestingDepthLimit(MAX_DEPTH + 10);
        options.setCodePointLimit(MAX_CHARACTERS + 1);
        try {
            Problem bomb = scan(file, new Yaml(options).parse(new StringReader(text)));
            if (bomb != null) return new Read(text, null, bomb);
            return new Read(text, new Yaml(options).compose(new StringReader(text)), null);
        } catch (MarkedYAMLException e) {
            return new Read(text, null, syntax(file, text, e));
        } catch (ReaderException e) {
            int[] p = position(text, text.offsetByCodePoints(0, Math.min(e.getPosition(), text.codePointCount(0, text.length()))));
            return new Read(text, null, new Problem(file, p[0], p[1],
                    String.format("control character U+%04X is not allowed in a recipe (write it as an escape in double quotes)", e.getCodePoint())));
        } catch (YAMLException e) {
            return new Read(text, null, new Problem(file, 1, 1, "YAML: " + e.getMessage()));
        }
    }

    /**
     * Walks the parse events once, before anything is built: counts the values the recipe has with its
     * aliases expanded (an alias bomb has few lines and billions of values), refuses an alias to the
     * list or mapping it is inside (a loop), and nesting deeper than {@link #MAX_DEPTH}.
     */
    private static Problem scan(Path file, Iterable<Event> events) {
        Map<String, Long> sizes = new HashMap<>();
        Deque<Long> startedAt = new ArrayDeque<>();
        Deque<String> open = new ArrayDeque<>();
        long values = 0;
        for (Event e : events) {
            if (e instanceof ScalarEvent s) {
                values++;
                if (s.getAnchor() != null) sizes.put(s.getAnchor(), 1L);
            } else if (e instanceof CollectionStartEvent c) {
                if (startedAt.size() >= MAX_DEPTH) {
                    return at(file, c.getStartMark(), "lists and mappings are nested more than " + MAX_DEPTH + " levels deep here");
                }
                startedAt.push(values);
                open.push(c.getAnchor() == null ? "" : c.getAnchor());
                values++;
            } else if (e instanceof CollectionEndEvent) {
                long size = values - startedAt.pop();
                String anchor = open.pop();
                if (!anchor.isEmpty()) sizes.put(anchor, size);
            } else if (e instanceof AliasEvent a) {
                if (open.contains(a.getAnchor())) {
                    return at(file, a.getStartMark(), "alias *" + a.getAnchor() + " is inside the list or mapping &"
                            + a.getAnchor() + " it names (a loop)");
                }
                values += sizes.getOrDefault(a.getAnchor(), 1L); // an unknown anchor is reported by compose
                if (values > MAX_VALUES) {
                    return at(file, a.getStartMark(), "alias *" + a.getAnchor() + " makes the recipe more than " + MAX_VALUES
                            + " values long once aliases are expanded (an alias bomb?); ingot refuses it");
                }
            }
        }
        return null;
    }

    /** A syntax error, at the place where the construct that failed starts, said plainly. */
    private static Problem syntax(Path file, String text, MarkedYAMLException e) {
        String context = e.getContext() == null ? "" : e.getContext();
        String problem = e.getProblem() == null ? "" : e.getProblem();
        Mark opened = e.getContextMark() != null ? e.getContextMark() : e.getProblemMark();
        Mark found = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
        if (context.startsWith("while scanning a") && context.endsWith("quoted scalar") && problem.contains("end of stream")) {
            char quote = charAt(text, opened);
            return at(file, opened, "YAML syntax: the text quoted with " + quote + " here is never closed (no closing " + quote + ")");
        }
        if (context.startsWith("while parsing a flow ")) {
            String what = context.endsWith("sequence") ? "list opened with '[' here is not closed with ']'"
                    : "mapping opened with '{' here is not closed with '}'";
            return at(file, opened, "YAML syntax: the " + what + " (or a ',' is missing)");
        }
        if (context.contains("double-quoted") && problem.startsWith("found unknown escape character")) {
            return at(file, found, "YAML syntax: unknown escape in double quotes (write \\\\ for a backslash, or use single quotes)");
        }
        if (context.startsWith("expected a single document")) {
            return at(file, found, "a recipe is one YAML document; remove the '---' here and what follows, or the one above");
        }
        Matcher m = FOUND.matcher(problem);
        if (m.matches()) {
            String hint = switch (m.group(1)) {
                case "<block mapping start>" -> "a key indented differently from the keys above it";
                case "-" -> "a list item where a key was expected";
                case "<scalar>" -> "unexpected text (after a quoted value, or indented wrongly)";
                default -> "unexpected " + m.group(1);
            };
            return at(file, found, "YAML syntax: " + hint + " (check the indentation)");
        }
        if (problem.startsWith("mapping values are not allowed")) {
            return at(file, found, "YAML syntax: ':' cannot start a value here (a key indented too far, or a value with ': ' that needs quotes)");
        }
        m = BAD_START.matcher(problem);
        if (m.matches()) {
            return at(file, found, m.group(1).startsWith("\\t") ? "YAML syntax: a tab; YAML indents with spaces only"
                    : "YAML syntax: a value cannot start with '" + m.group(1) + "' (put it in quotes)");
        }
        if (problem.startsWith("found undefined alias ")) {
            String name = problem.substring("found undefined alias ".length());
            return at(file, found, "alias *" + name + " names no anchor &" + name + " defined before it");
        }
        String message = (context.isEmpty() ? "" : context + ": ") + problem;
        return at(file, found, "YAML syntax: " + message.trim());
    }

    private static Problem at(Path file, Mark mark, String message) {
        return mark == null ? new Problem(file, 1, 1, message) : new Problem(file, mark.getLine() + 1, mark.getColumn() + 1, message);
    }

    private static char charAt(String text, Mark mark) {
        int i = text.offsetByCodePoints(0, mark.getIndex());
        return i < text.length() ? text.charAt(i) : '"';
    }

    /** 1-based line and column (in characters) of {@code index} in {@code text}. */
    static int[] position(String text, int index) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < index; i++) {
            if (text.charAt(i) == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return new int[]{line, text.codePointCount(lineStart, index) + 1};
    }
}
