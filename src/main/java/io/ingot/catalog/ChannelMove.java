package io.ingot.catalog;

/**
 * What recording a new version did to the channel it names: the channel points at {@code pointsAt} now, the new
 * {@code version} unless the channel already pointed at a newer version of the template. Version numbers are
 * reserved in build order, so a build that publishes late (after a retry) never moves a channel back; only
 * {@code ingot promote} points a channel at an older version.
 */
public record ChannelMove(String template, String channel, int version, int pointsAt) {
    public boolean moved() { return pointsAt == version; }

    /** The end of a build's result line: {@code , channel latest} or {@code  (channel latest stays at 2, which is newer)}. */
    public String describe() {
        return moved() ? ", channel " + channel : " (channel " + channel + " stays at " + pointsAt + ", which is newer)";
    }

    /** A log line for a channel that stayed; null when it moved. */
    public String note() {
        if (moved()) return null;
        return "channel " + channel + " stays at " + template + ":" + pointsAt + ", which is newer than " + template + ":" + version
                + " (a channel only moves forward; ingot promote " + template + ":" + version + " " + channel + " points it back)";
    }
}
