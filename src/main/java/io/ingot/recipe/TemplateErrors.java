package io.ingot.recipe;

import freemarker.core.ParseException;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FreeMarker's parse errors in ingot's words, placed where the problem starts: an unclosed {@code ${}
 * or {@code <#if>} is reported where it opens, not at the end of the text where FreeMarker noticed.
 */
final class TemplateErrors {
    private static final Pattern UNCLOSED = Pattern.compile("You have an unclosed (#?)\"?([^\".]+)\"?\\.");
    private static final Pattern ENCOUNTERED = Pattern.compile("Encountered \"(.*?)\", but was expecting.*", Pattern.DOTALL);
    private static final Pattern UNKNOWN_DIRECTIVE = Pattern.compile("Unknown directive: #(\\w+).*", Pattern.DOTALL);
    private static final Pattern UNKNOWN_BUILTIN = Pattern.compile("Unknown built-in: \"(\\w+)\".*", Pattern.DOTALL);
    private static final List<String> DIRECTIVES = List.of("if", "else", "elseif", "list", "items", "sep", "break",
            "continue", "switch", "case", "default", "on", "assign", "global", "local", "include", "import", "function",
            "return", "macro", "nested", "compress", "attempt", "recover", "noparse", "ftl", "setting", "stop", "visit",
            "recurse", "fallback", "escape", "noescape", "autoesc", "noautoesc", "outputformat", "flush", "t", "lt", "rt", "nt");

    /** A problem's 1-based line and column in the template text, and what to say. */
    record Located(int line, int column, String message) { }

    private TemplateErrors() { }

    static Located describe(ParseException e, String source) {
        String stock = e.getEditorMessage() == null ? "" : e.getEditorMessage();
        int errorAt = offset(source, e.getLineNumber(), e.getColumnNumber());
        int interpolation = openInterpolation(source, errorAt);
        Matcher m = UNCLOSED.matcher(stock);
        if (m.find()) {
            if (m.group(1).isEmpty() && m.group(2).equals("{") && interpolation >= 0) return unclosedInterpolation(source, interpolation);
            if (!m.group(1).isEmpty()) {
                String name = m.group(2).trim();
                int opened = openDirective(source, name);
                return at(source, opened >= 0 ? opened : errorAt, "<#" + name + "> is not closed: add </#" + name + ">");
            }
        }
        if (stock.startsWith("Lexical error") && interpolation >= 0) {
            return at(source, interpolation, "this ${...} is not closed (a closing quote or } is missing)");
        }
        m = ENCOUNTERED.matcher(stock);
        if (m.matches()) {
            String token = m.group(1);
            if (interpolation >= 0 && lineOf(source, interpolation) < e.getLineNumber()) return unclosedInterpolation(source, interpolation);
            if (interpolation >= 0 && token.equals("}") && source.substring(interpolation + 2, Math.max(interpolation + 2, errorAt)).isBlank()) {
                return at(source, interpolation, "empty ${} (put a variable name inside, e.g. ${httpIp})");
            }
            String where = interpolation >= 0 ? " in this ${...}" : "";
            return new Located(e.getLineNumber(), e.getColumnNumber(), "unexpected '" + token + "'" + where
                    + (token.equals("}") ? " (the expression is incomplete)" : ""));
        }
        m = UNKNOWN_DIRECTIVE.matcher(stock);
        if (m.matches()) {
            String near = Suggest.nearest(m.group(1), DIRECTIVES);
            int start = errorAt > 0 && source.charAt(errorAt - 1) == '<' ? errorAt - 1 : errorAt; // FreeMarker points at the #
            return at(source, start, "unknown directive <#" + m.group(1) + ">" + (near == null ? "" : " (did you mean <#" + near + ">?)"));
        }
        m = UNKNOWN_BUILTIN.matcher(stock);
        if (m.matches()) {
            int list = stock.indexOf("built-ins:");
            List<String> known = list < 0 ? List.of() : List.of(stock.substring(list + "built-ins:".length()).split("[,\\s]+"));
            String near = Suggest.nearest(m.group(1), known);
            return new Located(e.getLineNumber(), e.getColumnNumber(), "unknown built-in ?" + m.group(1)
                    + (near == null ? "" : " (did you mean ?" + near + "?)"));
        }
        return new Located(e.getLineNumber(), e.getColumnNumber(), plain(stock));
    }

    private static Located unclosedInterpolation(String source, int at) {
        return at(source, at, "this ${ is not closed: the } is missing");
    }

    /** FreeMarker's first sentence without its help links and notes. */
    static String plain(String stock) {
        String first = stock.lines().findFirst().orElse("template syntax error").trim();
        for (String cut : List.of(" Help (latest version)", " Check if the FreeMarker end-tags", " (Note that")) {
            int i = first.indexOf(cut);
            if (i > 0) first = first.substring(0, i).trim();
        }
        return first.endsWith(".") ? first.substring(0, first.length() - 1) : first;
    }

    /** Where the last {@code ${} before {@code end} that no {@code }} closes starts, or -1. */
    static int openInterpolation(String source, int end) {
        int open = -1;
        for (int i = 0; i < Math.min(end, source.length()); i++) {
            if (open < 0 && source.startsWith("${", i)) {
                open = i;
                i++;
            } else if (open >= 0 && source.charAt(i) == '}') {
                open = -1;
            }
        }
        return open;
    }

    /** Where the innermost {@code <#name} without its {@code </#name>} starts, or -1. */
    static int openDirective(String source, String name) {
        Matcher m = Pattern.compile("<#" + Pattern.quote(name) + "\\b|</#" + Pattern.quote(name) + "\\s*>").matcher(source);
        Deque<Integer> open = new ArrayDeque<>();
        while (m.find()) {
            if (m.group().startsWith("</")) {
                if (!open.isEmpty()) open.pop();
            } else {
                open.push(m.start());
            }
        }
        return open.isEmpty() ? -1 : open.peek();
    }

    /** The character offset of a 1-based line and column (columns counted in characters). */
    static int offset(String source, int line, int column) {
        int index = 0;
        for (int l = 1; l < line && index >= 0; l++) {
            index = source.indexOf('\n', index);
            if (index >= 0) index++;
        }
        if (index < 0) return source.length();
        return Math.min(source.length(), index + Math.max(0, column - 1));
    }

    private static int lineOf(String source, int offset) {
        return RecipeYaml.position(source, offset)[0];
    }

    private static Located at(String source, int offset, String message) {
        int[] p = RecipeYaml.position(source, offset);
        return new Located(p[0], p[1], message);
    }
}
