package io.ingot.cli;

/** For commands whose issue has not landed: they fail plainly instead of pretending to work. */
final class NotYet {
    private NotYet() { }

    static Integer fail(String what) {
        System.err.println("ingot: not implemented yet: " + what);
        return 1;
    }
}
