package io.ingot.recipe;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A validated recipe and what a build needs around it.
 *
 * @param file            the recipe file as given
 * @param dir             the recipe's folder; relative paths in the recipe resolve against it
 * @param variables       every variable's value: defaults merged with {@code --var} overrides
 * @param sensitiveValues values of variables marked {@code sensitive}, masked wherever text is printed
 * @param contentHash     sha256 (hex) of the recipe file's bytes
 */
public record LoadedRecipe(Path file, Path dir, Recipe recipe, Map<String, String> variables,
                           Set<String> sensitiveValues, String contentHash) {

    public LoadedRecipe {
        variables = Map.copyOf(variables);
        sensitiveValues = Set.copyOf(sensitiveValues);
    }

    /** A path written in the recipe, relative to the recipe's folder (absolute paths stay as they are). */
    public Path resolve(String relativePath) {
        return dir.resolve(relativePath).normalize();
    }

    /**
     * {@code text} with every sensitive value replaced by {@code ****}, also where it appears URL-encoded
     * (form or percent encoding, either hex case), and with the password of every URL's userinfo
     * ({@code scheme://user:PASSWORD@host}) masked whatever it is.
     */
    public String mask(String text) {
        if (text == null) return null;
        String masked = USERINFO_PASSWORD.matcher(text).replaceAll("$1:****@");
        // longest first, so a value that contains another is masked whole
        for (String secret : secretForms(sensitiveValues)) masked = masked.replace(secret, "****");
        return masked;
    }

    private static final Pattern USERINFO_PASSWORD = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://[^/\\s:@]*):([^/\\s@]*)@");
    private static final Pattern PERCENT_HEX = Pattern.compile("%[0-9A-F]{2}");

    /** Each secret as written and as it looks URL-encoded, longest first. */
    static List<String> secretForms(Set<String> secrets) {
        Set<String> forms = new TreeSet<>(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()));
        for (String s : secrets) {
            if (s.isEmpty()) continue;
            forms.add(s);
            String form = URLEncoder.encode(s, StandardCharsets.UTF_8);   // space as '+'
            String percent = form.replace("+", "%20");                     // space as %20 (paths, userinfo)
            for (String f : List.of(form, percent)) {
                forms.add(f);
                forms.add(PERCENT_HEX.matcher(f).replaceAll(m -> m.group().toLowerCase(Locale.ROOT)));
            }
        }
        return List.copyOf(forms);
    }
}
