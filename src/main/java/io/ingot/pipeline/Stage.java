package io.ingot.pipeline;

/**
 * One step of a build, like a step of Packer's QEMU builder: {@link #run} does the work;
 * {@link #cleanup} releases what run acquired (QEMU, ports, temporary disks) and is called in
 * reverse order for every stage that ran, whether the build succeeded or failed.
 */
public interface Stage {
    /** The name routes use and logs print, e.g. {@code install-vm}. */
    String name();

    void run(BuildContext build) throws Exception;

    default void cleanup(BuildContext build) throws Exception { }
}
