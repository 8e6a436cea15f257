package io.artifactstore.provider.local;

import io.artifactstore.api.HangUps;
import io.artifactstore.api.HttpProblems;
import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.StorageKey;
import io.artifactstore.core.StoreFailure;
import io.artifactstore.core.StoreFailure.Kind;
import io.artifactstore.provider.PacedBody;
import io.artifactstore.provider.StorageProviders;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Serves the local provider's signed URLs: {@code PUT} streams a body into storage, {@code GET} and
 * {@code HEAD} stream a file back with ETag, Range and Content-Disposition. Plain Vert.x routes, so
 * bytes flow with back-pressure and files leave through sendfile, never through the heap.
 */
@ApplicationScoped
public class LocalStorageRoutes {

    static final String PATH_PREFIX = "/storage/";

    @Inject
    StorageProviders providers;

    @Inject
    HttpProblems problems;

    @Inject
    Vertx vertx;

    @Inject
    MeterRegistry metrics;

    @Inject
    UploadSlots slots;

    @Inject
    DownloadSlots downloads;

    @Inject
    ArtifactStoreConfig config;

    void register(@Observes Router router) {
        // Every local provider's byte counters exist from start-up at 0, so a rate() sees them from the first scrape.
        providers.byName().forEach((name, provider) -> {
            if (provider instanceof LocalStorageProvider) {
                bytesCounter(name, "in");
                bytesCounter(name, "out");
            }
        });
        router.put(PATH_PREFIX + "*").handler(this::upload);
        router.get(PATH_PREFIX + "*").handler(this::download);
        router.head(PATH_PREFIX + "*").handler(this::download);
    }

    private void upload(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        request.pause(); // no byte may arrive before the file is open to take it
        try {
            Target target = verifiedTarget(ctx, HttpMethod.PUT);
            long size = Long.parseLong(target.fields().size());
            String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
            // A part has no type of its own (browsers send a chunk's type or none): only whole objects are checked.
            if (!target.fields().isPart() && (contentType == null || !contentType.trim().equalsIgnoreCase(target.fields().contentType()))) {
                throw forbidden("The Content-Type header differs from the one the URL was signed for");
            }
            String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
            if (length != null) {
                long declared = parseLength(length);
                if (declared > size) {
                    throw StoreFailure.of(Kind.TOO_LARGE, "The body is longer than the " + size + " bytes the URL was signed for");
                }
                if (declared < size) {
                    throw StoreFailure.of(Kind.WRONG_LENGTH, "The body has " + declared + " bytes, the URL was signed for " + size);
                }
            }
            String sha256 = target.fields().sha256().isEmpty() ? null : target.fields().sha256();
            LocalUrlSignature.Fields fields = target.fields();
            UploadSlots.Slot slot = slots.acquire(fields.key().tenantId(), fields.provider() + '/' + fields.key()
                    + (fields.isPart() ? "#" + fields.uploadId() + "/" + fields.partNumber() : ""));
            var body = paced(target, size, io.vertx.mutiny.core.http.HttpServerRequest.newInstance(request).toMulti());
            Uni.createFrom().deferred(() -> fields.isPart()
                            ? target.provider().multipart().writePart(fields.uploadId(), fields.partNumber(), size, body)
                            : target.provider().writeBuffers(fields.key(), size, sha256, body))
                    .onTermination().invoke(slot::release)
                    .subscribe().with(
                            info -> {
                                countBytes(target, "in", info.size());
                                ctx.response().putHeader(HttpHeaders.ETAG, etag(info.sha256())).setStatusCode(200).end();
                            },
                            failure -> {
                                if (!HangUps.isClientGone(failure)) { // nobody is left to answer
                                    problems.sendAndClose(ctx, failure);
                                }
                            });
        } catch (RuntimeException e) {
            problems.sendAndClose(ctx, e);
        }
    }

    /** The body, ended as STALLED when it stalls, trickles or outlives its URL (artifact-store.uploads.*). */
    private Multi<io.vertx.mutiny.core.buffer.Buffer> paced(Target target, long size, Multi<io.vertx.mutiny.core.buffer.Buffer> body) {
        long deadlineMillis = target.fields().expires() * 1000 + config.uploads().expiryGrace().toMillis();
        return PacedBody.of(body, config.uploads(), vertx.getDelegate(), target.provider().clock(), size, deadlineMillis);
    }

    private void download(RoutingContext ctx) {
        Target target;
        try {
            target = verifiedTarget(ctx, HttpMethod.GET);
        } catch (RuntimeException e) {
            problems.send(ctx, e);
            return;
        }
        DownloadSlots.Slot slot;
        try {
            // A GET holds a file and a socket until its reader has taken the bytes; a HEAD holds neither.
            slot = ctx.request().method() == HttpMethod.GET ? downloads.acquire(param(ctx.request(), LocalUrlSignature.SIGNATURE)) : null;
        } catch (RuntimeException e) {
            problems.sendAndClose(ctx, e);
            return;
        }
        if (slot != null) {
            // Released when the answer has been taken, or failed, or the connection closed: whichever comes first.
            ctx.addEndHandler(ended -> slot.release());
        }
        Path file = target.provider().pathOf(target.fields().key());
        vertx.executeBlocking(Uni.createFrom().item(() -> StoredFile.of(file)))
                .subscribe().with(state -> serveOrFail(ctx, target, file, state), failure -> problems.send(ctx, failure));
    }

    /** Every download ends in a response or a closed connection, even when writing the answer fails. */
    private void serveOrFail(RoutingContext ctx, Target target, Path file, Optional<StoredFile> found) {
        try {
            serve(ctx, target, file, found);
        } catch (RuntimeException e) {
            if (ctx.response().headWritten()) {
                ctx.request().connection().close();
                return;
            }
            ctx.response().headers().clear(); // none of the object's headers belong to the error answer
            problems.send(ctx, e);
        }
    }

    private void serve(RoutingContext ctx, Target target, Path file, Optional<StoredFile> found) {
        if (found.isEmpty()) {
            problems.send(ctx, StoreFailure.of(Kind.NOT_FOUND, "No object at this URL"));
            return;
        }
        StoredFile state = found.get();
        LocalUrlSignature.Fields fields = target.fields();
        long secondsLeft = fields.expires() - target.provider().clock().instant().getEpochSecond();
        HttpServerResponse response = ctx.response();
        response.putHeader(HttpHeaders.ETAG, state.etag())
                .putHeader(HttpHeaders.ACCEPT_RANGES, "bytes")
                .putHeader(HttpHeaders.CONTENT_TYPE, fields.contentType())
                .putHeader(HttpHeaders.CACHE_CONTROL, "private, max-age=" + Math.max(0, secondsLeft));
        DownloadHeaders.put(response, fields.contentType(), fields.disposition());
        String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
        if (ifNoneMatch != null && (ifNoneMatch.trim().equals("*") || ifNoneMatch.contains(state.etag()))) {
            response.setStatusCode(304).end();
            return;
        }
        Optional<ByteRange> range;
        try {
            range = ifRangeAllows(ctx, state) ? ByteRange.parse(ctx.request().getHeader("Range"), state.size()) : Optional.empty();
        } catch (ByteRange.Unsatisfiable e) {
            response.putHeader("Content-Range", "bytes */" + state.size());
            problems.send(ctx, StoreFailure.of(Kind.BAD_RANGE, "The range lies outside the object"));
            return;
        }
        long offset = range.map(ByteRange::start).orElse(0L);
        long length = range.map(ByteRange::length).orElse(state.size());
        range.ifPresent(r -> response.setStatusCode(206).putHeader("Content-Range", r.contentRange(state.size())));
        if (ctx.request().method() == HttpMethod.HEAD) {
            response.putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(length)).end();
            return;
        }
        response.sendFile(file.toString(), offset, length)
                .onSuccess(ignored -> countBytes(target, "out", length))
                .onFailure(failure -> ctx.request().connection().close());
    }

    /** A range applies only while the object still is the one the client's If-Range names. */
    private static boolean ifRangeAllows(RoutingContext ctx, StoredFile state) {
        String ifRange = ctx.request().getHeader("If-Range");
        return ifRange == null || ifRange.trim().equals(state.etag());
    }

    private Target verifiedTarget(RoutingContext ctx, HttpMethod method) {
        String path = ctx.request().path(); // the raw path: nothing is normalised before it is checked
        String rest = path.substring(PATH_PREFIX.length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw StoreFailure.of(Kind.NOT_FOUND, "No object at this URL");
        }
        String providerName = rest.substring(0, slash);
        StorageKey key = StorageKey.parse(rest.substring(slash + 1));
        LocalStorageProvider local = providers.find(providerName, LocalStorageProvider.class)
                .orElseThrow(() -> StoreFailure.of(Kind.NOT_FOUND, "No object at this URL"));
        HttpServerRequest request = ctx.request();
        long expires = parseExpiry(param(request, LocalUrlSignature.EXPIRES));
        var fields = new LocalUrlSignature.Fields(method.name(), providerName, key, expires,
                param(request, LocalUrlSignature.SIZE), param(request, LocalUrlSignature.CONTENT_TYPE),
                param(request, LocalUrlSignature.SHA256), param(request, LocalUrlSignature.DISPOSITION),
                param(request, LocalUrlSignature.UPLOAD_ID), param(request, LocalUrlSignature.PART_NUMBER));
        if (!fields.wellFormed() || !local.signer().verify(param(request, LocalUrlSignature.KEY_ID), fields.canonical(),
                param(request, LocalUrlSignature.SIGNATURE))) {
            throw forbidden("The URL's signature does not match this request");
        }
        if (local.clock().instant().getEpochSecond() > expires) {
            throw forbidden("The URL has expired");
        }
        return new Target(local, fields);
    }

    /** A signed parameter; given twice, the URL is not one the service signed. */
    private static String param(HttpServerRequest request, String name) {
        java.util.List<String> values = request.params().getAll(name);
        if (values.size() > 1) {
            throw forbidden("The URL's signature does not match this request");
        }
        return values.isEmpty() ? "" : values.get(0);
    }

    private void countBytes(Target target, String direction, long bytes) {
        bytesCounter(target.fields().provider(), direction).increment(bytes);
    }

    private Counter bytesCounter(String provider, String direction) {
        return Counter.builder("artifact_store_provider_bytes_total")
                .description("Bytes through the local data path: in (signed PUTs), out (signed GETs)")
                .tags("provider", provider, "direction", direction).register(metrics);
    }

    private static long parseExpiry(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw forbidden("The URL's signature does not match this request");
        }
    }

    private static long parseLength(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw StoreFailure.of(Kind.INVALID, "Malformed Content-Length");
        }
    }

    private static StoreFailure forbidden(String detail) {
        return StoreFailure.of(Kind.DENIED, detail);
    }

    private static String etag(String sha256) {
        return '"' + sha256 + '"';
    }

    private record Target(LocalStorageProvider provider, LocalUrlSignature.Fields fields) {
    }

}
