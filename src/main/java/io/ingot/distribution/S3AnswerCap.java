package io.ingot.distribution;

import io.ingot.util.Sizes;
import io.ingot.util.UserError;
import org.apache.commons.io.input.BoundedInputStream;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Every S3 answer the SDK reads whole (a listing page, an error) is read no further than {@link #MAX_ANSWER}: a page
 * of 1000 keys is a few hundred KiB, and the SDK would otherwise parse whatever an endpoint sends. Object bodies
 * (GetObject) are left alone: ingot reads those itself, no further than the size it checked.
 */
final class S3AnswerCap implements ExecutionInterceptor {
    static final int MAX_ANSWER = 8 << 20;

    @Override
    public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
        Optional<InputStream> body = context.responseBody();
        if (body.isEmpty() || context.request() instanceof GetObjectRequest) return body;
        String operation = context.request().getClass().getSimpleName().replaceFirst("Request$", "");
        try {
            return Optional.of(BoundedInputStream.builder().setInputStream(body.get()).setMaxCount(MAX_ANSWER + 1L)
                    .setOnMaxCount((max, count) -> {
                        throw new UserError("S3: an answer of more than " + Sizes.format(MAX_ANSWER) + " to " + operation
                                + " (refused; a listing page is a few hundred KiB)");
                    }).get());
        } catch (IOException e) {
            throw new IllegalStateException("cannot wrap an answer", e); // the builder opens nothing
        }
    }
}
