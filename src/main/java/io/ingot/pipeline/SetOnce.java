package io.ingot.pipeline;

/**
 * One phase of a build's state (its media, its disk, its template): set by the stage that makes it, read by the
 * stages after. A second set is a bug in the stages, named by the stages involved.
 */
final class SetOnce<T> {
    private final String what;
    private T value;
    private String setBy;

    SetOnce(String what) {
        this.what = what;
    }

    /** The value, or null before its stage ran (cleanups of a failed build see that). */
    synchronized T get() { return value; }

    synchronized void set(T v, String stage) {
        if (v == null) throw new IllegalArgumentException("the build's " + what + " cannot be set to nothing");
        if (value != null) {
            throw new IllegalStateException("the build's " + what + " was set by stage " + setBy
                    + "; stage " + stage + " cannot set it again");
        }
        value = v;
        setBy = stage;
    }

    /** Replaces a value that was set (a VM booted again after a hang), by the stage that owns it now. */
    synchronized void replace(T v, String stage) {
        if (v == null || value == null) throw new IllegalStateException("the build's " + what + " can only replace one that was set");
        value = v;
        setBy = stage;
    }
}
