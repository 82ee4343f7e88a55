package io.ingot.recipe;

import org.apache.commons.text.similarity.DamerauLevenshteinDistance;

import java.util.Collection;
import java.util.Locale;

/** "Did you mean ...?" for misspelt names: the closest candidate by edit distance, when close enough. */
final class Suggest {
    // an adjacent transposition ("nmae") counts as one edit, as a typo is
    private static final DamerauLevenshteinDistance DISTANCE = new DamerauLevenshteinDistance();

    private Suggest() { }

    /** The nearest candidate (case-insensitive, transpositions count once), or null when none is close. */
    static String nearest(String word, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String w = word.toLowerCase(Locale.ROOT);
        for (String candidate : candidates) {
            int d = DISTANCE.apply(w, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        int allowed = Math.max(1, Math.min(3, word.length() / 3));
        return bestDistance <= allowed ? best : null;
    }
}
