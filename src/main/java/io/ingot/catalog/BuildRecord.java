package io.ingot.catalog;

import java.time.Instant;

/** A build row: status is e.g. running, succeeded, failed. */
public record BuildRecord(String id, String recipe, String status, Instant started, Instant finished, String message) { }
