package io.artifactstore.artifact;

import io.artifactstore.core.Checksums;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.ObjectInfo;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.records.Variant;
import io.artifactstore.resilience.ProviderRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Objects;

/**
 * Never trust the client's word that an upload finished: checks the object stored for a pending
 * version against what its ticket declared (size, content type, sha256). Nothing stored yet is
 * NOT_UPLOADED; bytes that fail a check are deleted and REJECTED_CONTENT. Reads and deletes bytes,
 * never records.
 */
@ApplicationScoped
public class UploadCheck {

    private static final Logger LOG = Logger.getLogger(UploadCheck.class);

    @Inject
    ProviderRegistry providers;

    @Inject
    ContentCheck contentCheck;

    /** The stored object's sha256 when known (null: the declared one stays on record), once it passed every check. */
    public Uni<String> verify(Variant pending) {
        StorageProvider provider = providers.get(pending.provider);
        StorageKey key = pending.key();
        return provider.stat(key).chain(found -> {
            if (found.isEmpty()) {
                return Uni.createFrom().failure(DomainFailure.of(DomainFailure.Kind.NOT_UPLOADED,
                        "No object has been uploaded for this variant yet"));
            }
            ObjectInfo info = found.get();
            if (info.size() != pending.size) {
                return reject(provider, key, "The stored object has " + info.size() + " bytes, " + pending.size + " were declared");
            }
            return contentCheck.mismatch(provider, key, pending.contentType, info.size())
                    .chain(why -> why != null ? reject(provider, key, why) : verifyDigest(provider, key, pending, info));
        });
    }

    /** The stored object's sha256 when known, after checking it against the declared one, if any. */
    private Uni<String> verifyDigest(StorageProvider provider, StorageKey key, Variant pending, ObjectInfo info) {
        if (pending.sha256 == null) {
            return Uni.createFrom().item(info.sha256());
        }
        if (info.sha256() == null && info.size() > provider.digestReadLimit()) {
            LOG.infof("sha256 of %s/%s not read back: %d bytes exceed the provider's verify-max-size",
                    pending.artifactId, pending.name, info.size());
            return Uni.createFrom().nullItem(); // the declared sha256 stays on record
        }
        // Read back through a streaming digest where the provider keeps no checksum of the object.
        Uni<String> actual = info.sha256() != null ? Uni.createFrom().item(info.sha256()) : Checksums.sha256Hex(provider.read(key));
        return actual.chain(sha256 -> Objects.equals(sha256, pending.sha256)
                ? Uni.createFrom().item(sha256)
                : reject(provider, key, "The stored object's sha256 differs from the declared one"));
    }

    private static Uni<String> reject(StorageProvider provider, StorageKey key, String why) {
        return provider.delete(key).chain(() -> Uni.createFrom().failure(DomainFailure.rejectedContent(why)));
    }
}
