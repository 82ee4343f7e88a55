package io.ingot.recipe;

import io.ingot.util.UserError;

import java.util.List;
import java.util.stream.Collectors;

/** A recipe that did not validate; the message lists every problem, one per line. */
public class RecipeInvalid extends UserError {
    private final List<Problem> problems;

    public RecipeInvalid(List<Problem> problems) {
        super(problems.stream().map(Problem::format).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() { return problems; }
}
