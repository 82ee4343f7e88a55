package io.ingot.qemu;

/** The accelerator a VM runs with ({@code kvm} or {@code tcg}) and, in words, why it was chosen. */
public record Accelerator(String name, String reason) {
    @Override
    public String toString() {
        return reason;
    }
}
