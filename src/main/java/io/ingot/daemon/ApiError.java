package io.ingot.daemon;

/** An HTTP error answer of the API: status and a one-line message (sent as {@code {"error": ...}}). */
public final class ApiError extends RuntimeException {
    private final int status;

    public ApiError(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() { return status; }
}
