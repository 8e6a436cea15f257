package io.artifactstore.provider;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** A ranged read over a plain stream: skips to the offset, keeps {@code length} bytes, then cancels the rest. */
final class FirstBytes {

    private FirstBytes() {
    }

    static Uni<byte[]> of(Multi<ByteBuffer> body, long offset, int length) {
        return Uni.createFrom().deferred(() -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(0, length));
            long[] skipped = {0};
            return body.onItem().invoke(buffer -> {
                        ByteBuffer bytes = buffer.duplicate();
                        int skip = (int) Math.min(offset - skipped[0], bytes.remaining());
                        bytes.position(bytes.position() + skip);
                        skipped[0] += skip;
                        int take = Math.min(bytes.remaining(), length - out.size());
                        if (take > 0) {
                            byte[] chunk = new byte[take];
                            bytes.get(chunk);
                            out.write(chunk, 0, take);
                        }
                    })
                    .select().first(ignored -> out.size() < length) // stops reading once there is enough
                    .collect().last()
                    .map(ignored -> out.toByteArray());
        });
    }
}
