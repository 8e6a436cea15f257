package io.artifactstore.provider;

import io.artifactstore.core.StoreFailure;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.nio.ByteBuffer;

/**
 * Holds a byte stream to its declared length: a byte too many fails it at once ({@code TOO_LARGE}), an
 * early end fails it at the end ({@code WRONG_LENGTH}). A store that receives a failed stream aborts the write, storing nothing.
 */
public final class ExactLength {

    private ExactLength() {
    }

    public static Multi<ByteBuffer> of(long size, Multi<ByteBuffer> body) {
        return Multi.createFrom().deferred(() -> {
            long[] seen = {0};
            return body
                    .onItem().invoke(buffer -> {
                        seen[0] += buffer.remaining();
                        if (seen[0] > size) {
                            throw StoreFailure.of(StoreFailure.Kind.TOO_LARGE, "The body is longer than the declared " + size + " bytes");
                        }
                    })
                    .onCompletion().call(() -> seen[0] == size ? Uni.createFrom().voidItem()
                            : Uni.createFrom().failure(StoreFailure.of(StoreFailure.Kind.WRONG_LENGTH,
                            "The body has " + seen[0] + " bytes, " + size + " were declared")));
        });
    }
}
