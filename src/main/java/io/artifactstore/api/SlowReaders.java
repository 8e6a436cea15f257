package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Readers that do not read cannot make the service hold unbounded bytes: every connection of the API
 * port gets a {@link ResponseBacklog} with its first request, which drops the connection when its
 * waiting answer stalls and counts the waiting buffers against one service-wide bound. It covers
 * every answer alike, the API's JSON, the OpenAPI document, problem documents and the local
 * provider's files (README, "Configuration reference": {@code artifact-store.responses.*}).
 */
@ApplicationScoped
public class SlowReaders {

    /** Why a connection was dropped: its reader stalled, or the waiting answers of all readers were too many bytes. */
    enum Reason { STALLED, BACKLOG }

    /** The name Vert.x gives its idle-timeout handler in each HTTP connection's pipeline. */
    private static final String IDLE = "idle";

    private final AtomicLong backlog = new AtomicLong();
    private final Map<Reason, Counter> dropped = new EnumMap<>(Reason.class);
    private final long windowMillis;
    private final long minBytesPerWindow;
    private final long maxBacklog;

    @Inject
    SlowReaders(ArtifactStoreConfig config, MeterRegistry metrics) {
        ArtifactStoreConfig.Responses limits = config.responses();
        this.windowMillis = limits.stallTimeout().toMillis();
        // At least one byte: with a min-rate of 0, a reader that takes nothing at all is still dropped.
        this.minBytesPerWindow = Math.max(1, limits.minRate().asLongValue() * windowMillis / 1000);
        this.maxBacklog = limits.maxBacklog().asLongValue();
        Gauge.builder("artifact_store_response_backlog_bytes", backlog, AtomicLong::get)
                .description("Answer bytes waiting in the service for readers that have not taken them").register(metrics);
        for (Reason reason : Reason.values()) {
            dropped.put(reason, Counter.builder("artifact_store_slow_readers_dropped_total")
                    .description("Connections closed because their reader did not take its answer")
                    .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(metrics));
        }
    }

    void register(@Observes Router router) {
        // First of all, so that even the answers of the CORS filter and of refusals are bounded.
        router.route().order(Integer.MIN_VALUE).handler(this::watch);
    }

    private void watch(RoutingContext ctx) {
        if (ctx.request().connection() instanceof ConnectionBase connection) {
            ChannelPipeline pipeline = connection.channel().pipeline();
            // first(): the usual case in one step, a connection's later requests that find it in place.
            if (!(pipeline.first() instanceof ResponseBacklog) && pipeline.context(ResponseBacklog.NAME) == null) {
                pipeline.addFirst(ResponseBacklog.NAME, new ResponseBacklog(this));
                observeOutput(pipeline);
            }
        }
        ctx.next();
    }

    /**
     * Vert.x's idle timeout counts a write only once it has completed, so a file that takes longer than
     * {@code quarkus.http.idle-timeout} to leave (one sendfile write) would be cut off while its reader
     * is taking it. The same timeout, watching the output's progress too: a reader that takes nothing
     * is dropped by the stall check long before.
     */
    private static void observeOutput(ChannelPipeline pipeline) {
        if (pipeline.get(IDLE) instanceof IdleStateHandler idle) {
            pipeline.replace(IDLE, IDLE, new IdleStateHandler(true, idle.getReaderIdleTimeInMillis(),
                    idle.getWriterIdleTimeInMillis(), idle.getAllIdleTimeInMillis(), TimeUnit.MILLISECONDS));
        }
    }

    long windowMillis() {
        return windowMillis;
    }

    long minBytesPerWindow() {
        return minBytesPerWindow;
    }

    /** Adds a connection's growth (or, negative, its shrinking) to the backlog; false when growth took it over the bound. */
    boolean hold(long grew) {
        long now = backlog.addAndGet(grew);
        return grew <= 0 || now <= maxBacklog;
    }

    void dropped(Reason reason) {
        dropped.get(reason).increment();
    }
}
