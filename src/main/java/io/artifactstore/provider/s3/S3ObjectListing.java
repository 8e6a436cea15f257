package io.artifactstore.provider.s3;

import io.artifactstore.provider.ObjectListing;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.s3.S3AsyncClient;

import java.util.List;

/**
 * ListObjectsV2 under the provider's prefix, one request per page: StartAfter carries the position,
 * so no continuation token has to outlive a page. S3 lists keys in UTF-8 byte order; unfinished
 * multipart uploads are not objects and are not listed.
 */
final class S3ObjectListing implements ObjectListing {

    private final S3Settings settings;
    private final S3AsyncClient client;

    S3ObjectListing(S3Settings settings, S3AsyncClient client) {
        this.settings = settings;
        this.client = client;
    }

    @Override
    public Uni<List<ListedObject>> list(String prefix, String startAfter, int limit) {
        String base = settings.prefix();
        return S3StorageProvider.call(() -> client.listObjectsV2(r -> r.bucket(settings.bucket()).prefix(base + prefix)
                        .startAfter(startAfter.isEmpty() ? null : base + startAfter).maxKeys(limit)))
                .map(page -> page.contents().stream()
                        .map(object -> new ListedObject(object.key().substring(base.length()), object.size(), object.lastModified()))
                        .toList());
    }
}
