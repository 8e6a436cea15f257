package io.artifactstore.provider;

import io.artifactstore.api.ServiceException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.nio.ByteBuffer;

/**
 * Holds a byte stream to its declared length: a byte too many fails it at once (413), an early end
 * fails it at the end (400). A store that receives a failed stream aborts the write, storing nothing.
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
                            throw ServiceException.tooLarge("The body is longer than the declared " + size + " bytes");
                        }
                    })
                    .onCompletion().call(() -> seen[0] == size ? Uni.createFrom().voidItem()
                            : Uni.createFrom().failure(ServiceException.badRequest(
                            "The body has " + seen[0] + " bytes, " + size + " were declared")));
        });
    }
}
