package io.ingot.pipeline;

/** A stage failed; the message names the stage and the cause (and the serial console tail if a guest ran). */
public class StageFailure extends RuntimeException {
    private final String stage;

    public StageFailure(String stage, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    public String stage() { return stage; }
}
