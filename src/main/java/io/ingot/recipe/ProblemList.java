package io.ingot.recipe;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The problems one validation of a recipe file finds, in the order the checks find them. */
final class ProblemList {
    private final Path file;
    private final Path dir;
    private final String text;
    private final List<Problem> problems = new ArrayList<>();

    /** @param text the recipe's text, for placing problems found inside a value */
    ProblemList(Path file, String text) {
        this.file = file;
        this.dir = file.getParent() == null ? Path.of("") : file.getParent();
        this.text = text;
    }

    /** The recipe file. */
    Path file() {
        return file;
    }

    /** The recipe's folder, against which relative paths resolve. */
    Path dir() {
        return dir;
    }

    /** The recipe's text. */
    String text() {
        return text;
    }

    void add(Problem problem) {
        problems.add(problem);
    }

    /** A problem in the recipe file at {@code line:column} (1-based; 0 for none). */
    void add(int line, int column, String message) {
        problems.add(new Problem(file, line, column, message));
    }

    void at(Mark mark, String message) {
        problems.add(mark == null ? new Problem(file, 0, 0, message)
                : new Problem(file, mark.getLine() + 1, mark.getColumn() + 1, message));
    }

    void at(Node node, String message) {
        at(node.getStartMark(), message);
    }

    /** By file, line and column; problems at the same place stay in the order they were found. */
    List<Problem> sorted() {
        List<Problem> sorted = new ArrayList<>(problems);
        Collections.sort(sorted);
        return sorted;
    }
}
