package io.ingot.target;

import io.ingot.util.UserError;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A push target as the user wrote it: {@code SCHEME:REST[?k=v&...]}. The scheme picks the target module; the rest
 * and the query are that module's to read ({@code libvirt:///system?pool=default&name=web1}).
 */
public record TargetUri(String text, String scheme, String rest, Map<String, String> query) {
    private static final Pattern FORM = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):([^?]*)(?:\\?(.*))?");

    public TargetUri {
        query = Collections.unmodifiableMap(new LinkedHashMap<>(query));
    }

    public static TargetUri parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new UserError("target '" + text + "' is not a URI: expected SCHEME:..., e.g. libvirt:///system?pool=default&name=web1");
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (m.group(3) != null && !m.group(3).isEmpty()) {
            for (String pair : m.group(3).split("&")) {
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq), text);
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1), text);
                if (query.put(k, v) != null) throw new UserError("target '" + text + "': '" + k + "' is given twice");
            }
        }
        return new TargetUri(text.strip(), m.group(1).toLowerCase(), m.group(2), query);
    }

    /** Refuses query keys the module does not read, naming those it does. */
    public void allowOnly(Set<String> keys) {
        for (String k : query.keySet()) {
            if (!keys.contains(k)) {
                throw new UserError("target '" + text + "': unknown option '" + k + "' (known: " + String.join(", ", keys.stream().sorted().toList()) + ")");
            }
        }
    }

    public String get(String key, String otherwise) {
        String v = query.get(key);
        return v == null || v.isEmpty() ? otherwise : v;
    }

    private static String decode(String s, String text) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new UserError("target '" + text + "': bad %-escape in '" + s + "'");
        }
    }
}
