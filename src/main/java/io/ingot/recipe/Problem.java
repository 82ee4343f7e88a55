package io.ingot.recipe;

import java.nio.file.Path;

/** One thing wrong in a recipe (or a file it uses), at a 1-based line and column; 0 when there is no position. */
public record Problem(Path file, int line, int column, String message) implements Comparable<Problem> {

    /** {@code file:line:column: message}, or {@code file: message} without a position. */
    public String format() {
        return line > 0 ? file + ":" + line + ":" + column + ": " + message : file + ": " + message;
    }

    /** Values longer than this are shown shortened in messages. */
    static final int QUOTE_LIMIT = 40;

    /**
     * {@code 'value'} for a message; a longer value is cut, with its length, so that a problem about a
     * megabyte-long number is still one readable line: {@code '999999…' (1048576 characters)}.
     */
    public static String quote(String value) {
        if (value.length() <= QUOTE_LIMIT) return "'" + value + "'";
        return "'" + value.substring(0, QUOTE_LIMIT) + "…' (" + value.length() + " characters)";
    }

    @Override
    public int compareTo(Problem o) {
        int c = file.toString().compareTo(o.file.toString());
        if (c != 0) return c;
        c = Integer.compare(line, o.line);
        return c != 0 ? c : Integer.compare(column, o.column);
    }

    @Override
    public String toString() { return format(); }
}
