package io.ingot.util;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Independent I/O steps run at once (a pull's downloads, its small requests): the results in the order of the
 * steps; the first step to fail stops the others (interrupted, waited for) and its exception is thrown as it was, so
 * nothing writes on after a failure is reported.
 */
public final class Concurrently {
    private Concurrently() { }

    /** One step: its result, or the exception it failed with. */
    @FunctionalInterface
    public interface Step<T> {
        T call() throws IOException, InterruptedException;
    }

    /** {@code steps} on up to {@code threads} threads (a single step runs in the calling thread). */
    @SafeVarargs
    public static <T> List<T> run(int threads, Step<? extends T>... steps) throws IOException, InterruptedException {
        return run(threads, Arrays.asList(steps));
    }

    public static <T> List<T> run(int threads, List<? extends Step<? extends T>> steps) throws IOException, InterruptedException {
        if (steps.size() == 1) return List.of(steps.get(0).call());
        List<T> results = new ArrayList<>(steps.size());
        if (steps.isEmpty()) return results;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, steps.size())), r -> {
            Thread t = new Thread(r, "ingot-io");
            t.setDaemon(true);
            return t;
        });
        ExecutorCompletionService<T> done = new ExecutorCompletionService<>(pool);
        List<Future<T>> futures = new ArrayList<>();
        try {
            for (Step<? extends T> s : steps) {
                Callable<T> c = s::call;
                futures.add(done.submit(c));
            }
            for (int i = 0; i < futures.size(); i++) {
                try {
                    done.take().get(); // in the order they finish: a failure is seen as soon as it happens
                } catch (ExecutionException x) {
                    pool.shutdownNow();
                    pool.awaitTermination(5, TimeUnit.MINUTES);
                    Throwable cause = x.getCause();
                    if (cause instanceof IOException io) throw io;
                    if (cause instanceof RuntimeException r) throw r;
                    if (cause instanceof Error e) throw e;
                    if (cause instanceof InterruptedException ie) throw ie;
                    throw new IOException(cause);
                }
            }
            for (Future<T> f : futures) {
                try {
                    results.add(f.get()); // all done by now
                } catch (ExecutionException x) {
                    throw new IllegalStateException(x); // cannot be: each was taken above without a failure
                }
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /** What {@code started} (begun in the background) gave, or what it threw, as it was (a checked cause wrapped). */
    public static <T> T result(Future<T> started) throws InterruptedException {
        try {
            return started.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        }
    }

    /** {@link #run} for callers that speak only IOException: an interruption becomes an {@link InterruptedIOException}. */
    @SafeVarargs
    public static <T> List<T> runIo(int threads, Step<? extends T>... steps) throws IOException {
        return runIo(threads, Arrays.asList(steps));
    }

    public static <T> List<T> runIo(int threads, List<? extends Step<? extends T>> steps) throws IOException {
        try {
            return run(threads, steps);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
