package io.artifactstore.artifact;

import io.artifactstore.api.Cursor;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import io.artifactstore.core.MediaTypes;
import io.artifactstore.provider.DownloadTarget;
import io.artifactstore.provider.SignedRequest;
import io.artifactstore.records.Artifact;
import io.artifactstore.records.ArtifactFilter;
import io.artifactstore.records.ArtifactRepository;
import io.artifactstore.records.Records;
import io.artifactstore.records.Status;
import io.artifactstore.records.Variant;
import io.artifactstore.records.VariantRepository;
import io.artifactstore.resilience.ProviderRegistry;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What the caller may read of its tenant's artifacts: one, a page of them, a signed download of a variant. Changes nothing. */
@ApplicationScoped
public class ArtifactQueries {

    /** The listing its cursors are signed for (api.Cursor). */
    private static final String LISTING = "artifacts";

    @Inject
    ArtifactRepository artifacts;

    @Inject
    VariantRepository variants;

    @Inject
    Records records;

    @Inject
    ProviderRegistry providers;

    @Inject
    ArtifactStoreConfig config;

    @Inject
    Cursor cursors;

    public Uni<ArtifactView> get(String tenantId, String artifactId) {
        return Panache.withSession(() -> artifacts.findOwned(tenantId, artifactId)
                .onItem().ifNull().failWith(() -> DomainFailure.notFound("No such artifact"))
                .chain(artifact -> variants.ofArtifact(tenantId, artifact.id)
                        .map(all -> ArtifactView.of(artifact, all))));
    }

    /** Newest first, {@code limit} at a time; the cursor of one page leads to the next. */
    public Uni<ArtifactPage> list(String tenantId, ArtifactFilter filter, int limit, String cursor) {
        String afterId;
        try {
            afterId = cursors.lastId(LISTING, tenantId, cursor);
        } catch (RuntimeException e) {
            return Uni.createFrom().failure(e);
        }
        return Panache.withSession(() -> artifacts.page(tenantId, filter, afterId, limit + 1)
                .chain(found -> {
                    Cursor.Page<Artifact> page = cursors.page(LISTING, tenantId, found, limit, a -> a.id);
                    return variants.ofArtifacts(tenantId, page.items().stream().map(a -> a.id).toList())
                            .map(all -> {
                                Map<String, List<Variant>> byArtifact = all.stream()
                                        .collect(Collectors.groupingBy(v -> v.artifactId));
                                return new ArtifactPage(page.items().stream()
                                        .map(a -> ArtifactView.of(a, byArtifact.getOrDefault(a.id, List.of())))
                                        .toList(), page.nextCursor());
                            });
                }));
    }

    /** A signed GET of an available variant; NOT_UPLOADED while its bytes are not verified yet. */
    public Uni<SignedRequest> downloadUrl(String tenantId, String artifactId, String variantName,
                                          Duration expiresIn, String disposition) {
        Duration ttl = expiresIn == null ? config.signing().downloadTtl() : expiresIn;
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(config.signing().maxTtl()) > 0) {
            return Uni.createFrom().failure(DomainFailure.invalidField("expiresIn",
                    "must be between 1 and " + config.signing().maxTtl().toSeconds() + " seconds"));
        }
        // The hot path: one statement, without BEGIN and COMMIT.
        return records.alone(changes -> changes.variants().findStored(tenantId, artifactId, variantName))
                .onItem().ifNull().failWith(() -> DomainFailure.notFound("No such artifact variant"))
                .chain(stored -> {
                    if (stored.status() != Status.AVAILABLE) {
                        throw DomainFailure.of(DomainFailure.Kind.NOT_UPLOADED, "The variant's upload has not been completed");
                    }
                    // Active content (HTML, SVG, XML ...) is never inline, whatever was asked: README "Serving downloads safely".
                    String chosen = MediaTypes.isSafeInline(stored.contentType()) ? disposition : "attachment";
                    String contentDisposition = chosen == null ? null : ContentDisposition.of(chosen, stored.filename());
                    return providers.get(stored.provider()).presignDownload(
                            new DownloadTarget(stored.key(), stored.contentType(), contentDisposition, ttl));
                });
    }
}
