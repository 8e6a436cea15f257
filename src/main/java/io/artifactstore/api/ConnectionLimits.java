package io.artifactstore.api;

import io.artifactstore.config.ArtifactStoreConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.net.impl.TCPServerBase;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the TCP connections of both ports (README, Configuration reference, {@code artifact-store.connections.*}):
 * in total and per client address; a connection that does not send a complete request head within
 * {@code head-timeout} (of being accepted, or of the first byte of a later head on a kept-alive connection) is closed,
 * and so is one whose request body is still arriving
 * {@code api.body-timeout} (plus a grace for the route's own 408, {@link UnreadBodies}) after its head:
 * the backstop for bodies read before any handler of ours runs (the management port's body handler).
 * Each connection holds a socket and buffers whatever it sends, so without a cap a client that opens
 * thousands and stalls exhausts the heap.
 * <p>
 * Vert.x offers no hook before a request head is parsed, so this sits in Netty: a gate in front of
 * each server socket's acceptor counts the connections and closes one over a bound as soon as it
 * is accepted, before Vert.x allocates anything for it, and gives each connection its deadlines,
 * which watch the requests as Vert.x's decoder hands them on. The gates are installed once the API
 * port listens, and by the first request of any port for one that listened later (the management
 * port may); the connections accepted before are counted at their first request.
 */
@ApplicationScoped
public class ConnectionLimits {

    /** Before the access log (-3000) and CORS (-300): nothing runs for a connection over a bound. */
    static final int ORDER = -4000;
    /** How much later than the route's own 408 (and its lingering close) a stalled body's connection is closed. */
    private static final long BODY_GRACE_MILLIS = HttpProblems.LINGER.toMillis() + 1000;
    private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("artifact-store.counted-connection");
    private static final AttributeKey<Gate.Deadlines> DEADLINES = AttributeKey.valueOf("artifact-store.deadlines");
    /** Vert.x's name of the HTTP/1 decoder in a connection's pipeline. */
    private static final String HTTP_DECODER = "httpDecoder";

    private static final Logger LOG = Logger.getLogger(ConnectionLimits.class);

    @Inject
    ArtifactStoreConfig config;

    @Inject
    MeterRegistry metrics;

    @Inject
    Vertx vertx;

    /** One gate per server socket (the API port and the management port). */
    private final Map<Channel, Gate> gates = new ConcurrentHashMap<>();

    void api(@Observes Router router) {
        router.route().order(ORDER).handler(this::admit);
    }

    void management(@Observes ManagementInterface management) {
        management.router().route().order(ORDER).handler(this::admit);
    }

    /** The API port listens: a gate for it, and for the management port if it listens already. */
    void started(@ObservesAsync HttpServerStart started) {
        installGates();
    }

    /**
     * A gate on every port that listens and has none yet. Vert.x keeps a server's socket to itself,
     * hence the reflection; should a Vert.x release rename it, each port's gate is installed by its
     * first request instead, from that request's connection.
     */
    private void installGates() {
        try {
            Field bound = TCPServerBase.class.getDeclaredField("bindFuture");
            bound.setAccessible(true);
            for (HttpServerImpl server : ((VertxInternal) vertx).sharedHttpServers().values()) {
                if (bound.get(server) instanceof Future<?> future && future.result() instanceof Channel channel) {
                    gates.computeIfAbsent(channel, this::install);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warnf("Connection bounds start with each port's first request: the listening sockets are out of reach (%s)", e);
        }
    }

    private void admit(RoutingContext ctx) {
        if (ctx.request().connection() instanceof ConnectionBase connection) {
            Channel channel = connection.channel();
            if (!channel.hasAttr(COUNTED) && channel.parent() != null) { // accepted before its port had a gate
                installGates();
                if (!gates.computeIfAbsent(channel.parent(), this::install).admit(channel)) {
                    channel.close();
                    return;
                }
            }
            Gate.Deadlines deadlines = channel.attr(DEADLINES).get();
            if (deadlines != null) {
                deadlines.headArrived();
                ctx.addEndHandler(ended -> deadlines.answered());
            }
        }
        ctx.next();
    }

    /** A gate for the server socket, its meters labelled with its port number. */
    private Gate install(Channel server) {
        String port = server.localAddress() instanceof InetSocketAddress address ? Integer.toString(address.getPort()) : "unknown";
        ArtifactStoreConfig.Connections limits = config.connections();
        Gate gate = new Gate(limits.maxTotal(), limits.maxPerAddress(), limits.headTimeout().toMillis(),
                config.api().bodyTimeout().toMillis() + BODY_GRACE_MILLIS,
                Counter.builder("artifact_store_http_connections_refused_total").tag("port", port).tag("bound", "total")
                        .description("Connections closed as soon as accepted: the port's connections.max-total was reached")
                        .register(metrics),
                Counter.builder("artifact_store_http_connections_refused_total").tag("port", port).tag("bound", "address")
                        .description("Connections closed as soon as accepted: their address's connections.max-per-address was reached")
                        .register(metrics),
                Counter.builder("artifact_store_http_deadlines_total").tag("port", port).tag("part", "head")
                        .description("Connections closed because a request head or body did not arrive in time")
                        .register(metrics),
                Counter.builder("artifact_store_http_deadlines_total").tag("port", port).tag("part", "body")
                        .description("Connections closed because a request head or body did not arrive in time")
                        .register(metrics));
        Gauge.builder("artifact_store_http_connections", gate.total, AtomicInteger::get).tag("port", port)
                .description("TCP connections open on the port").register(metrics);
        server.pipeline().addFirst("artifact-store-connection-limits", gate);
        return gate;
    }

    /** Counts a port's connections and closes the ones over a bound before Vert.x sees them. */
    @ChannelHandler.Sharable
    static final class Gate extends ChannelInboundHandlerAdapter {

        private final int maxTotal;
        private final int maxPerAddress;
        private final long headTimeoutMillis;
        private final long bodyTimeoutMillis;
        private final Counter refusedTotal;
        private final Counter refusedAddress;
        private final Counter lateHeads;
        private final Counter lateBodies;
        final AtomicInteger total = new AtomicInteger();
        private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();

        Gate(int maxTotal, int maxPerAddress, long headTimeoutMillis, long bodyTimeoutMillis,
             Counter refusedTotal, Counter refusedAddress, Counter lateHeads, Counter lateBodies) {
            this.maxTotal = maxTotal;
            this.maxPerAddress = maxPerAddress;
            this.headTimeoutMillis = headTimeoutMillis;
            this.bodyTimeoutMillis = bodyTimeoutMillis;
            this.refusedTotal = refusedTotal;
            this.refusedAddress = refusedAddress;
            this.lateHeads = lateHeads;
            this.lateBodies = lateBodies;
        }

        /** The acceptor's read: each message is a new connection, not yet registered with an event loop. */
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object message) {
            if (message instanceof Channel connection && !connection.hasAttr(COUNTED)) {
                if (!admit(connection)) {
                    connection.unsafe().closeForcibly();
                    return;
                }
                Deadlines deadlines = new Deadlines();
                connection.attr(DEADLINES).set(deadlines);
                connection.pipeline().addFirst(deadlines);
            }
            ctx.fireChannelRead(message);
        }

        /** Counts the connection; false when a bound is reached. */
        boolean admit(Channel connection) {
            InetAddress address = connection.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
            if (total.incrementAndGet() > maxTotal) {
                total.decrementAndGet();
                refusedTotal.increment();
                return false;
            }
            if (address != null && perAddress.merge(address, 1, Integer::sum) > maxPerAddress) {
                release(address);
                refusedAddress.increment();
                return false;
            }
            connection.attr(COUNTED).set(Boolean.TRUE);
            connection.closeFuture().addListener(closed -> release(address));
            return true;
        }

        private void release(InetAddress address) {
            total.decrementAndGet();
            if (address != null) {
                perAddress.computeIfPresent(address, (ignored, count) -> count == 1 ? null : count - 1);
            }
        }

        /**
         * One connection's head and body deadlines; on its event loop only. It sits first in the pipeline
         * and hooks {@link Decoded} in behind Vert.x's HTTP decoder as soon as there is one: at once, or
         * once the first bytes have shown the connection is HTTP/1 (Vert.x's h2c sniffing). A first
         * request decoded before that is seen by {@link #admit}'s route instead. Once an answer has ended
         * and no later request head has been decoded, the head deadline runs again for the next one.
         */
        final class Deadlines extends ChannelInboundHandlerAdapter {
            private ChannelHandlerContext connection;
            private ScheduledFuture<?> head;
            private ScheduledFuture<?> body;
            private boolean hooked;
            /** Request heads decoded and not yet answered: more than one when a client pipelines. */
            private int unanswered;
            /** Every answer has ended: the next head's deadline starts with its first byte, idling is the idle timeout's. */
            private boolean nextHeadDue;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                connection = ctx;
                awaitHead();
                hook(ctx);
                ctx.fireChannelActive();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object message) {
                if (nextHeadDue) {
                    nextHeadDue = false;
                    if (head == null) {
                        awaitHead();
                    }
                }
                ctx.fireChannelRead(message);
                if (!hooked) {
                    hook(ctx);
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                cancel(head);
                cancel(body);
                ctx.fireChannelInactive();
            }

            private void hook(ChannelHandlerContext ctx) {
                if (ctx.pipeline().get(HTTP_DECODER) != null) {
                    ctx.pipeline().addAfter(HTTP_DECODER, "artifact-store-deadlines", new Decoded(ctx));
                    hooked = true;
                }
            }

            void headArrived() {
                cancel(head);
                head = null;
                nextHeadDue = false;
            }

            /**
             * A request's answer has ended (or failed): on an HTTP/1 connection that waits for no other
             * answer, the next request head is due within the head timeout of its first byte, like the
             * first one of the connection's opening. A kept-alive connection that sends nothing is left
             * to the idle timeout: closing idle pooled connections sooner than a proxy's upstream
             * keep-alive would make the proxy reuse closed ones.
             */
            void answered() {
                if (!connection.executor().inEventLoop()) {
                    connection.executor().execute(this::answered);
                    return;
                }
                if (!hooked) {
                    hook(connection); // a first request answered while its bytes were still being read in
                }
                unanswered = Math.max(0, unanswered - 1); // a first request decoded before the hook was not counted
                if (hooked && unanswered == 0 && head == null && connection.channel().isActive()) {
                    nextHeadDue = true;
                }
            }

            private void awaitHead() {
                head = connection.executor().schedule(this::headDue, headTimeoutMillis, TimeUnit.MILLISECONDS);
            }

            /** An answer still leaving the service is no late head: whether its reader keeps up is {@link SlowReaders}' to judge. */
            private void headDue() {
                ChannelOutboundBuffer out = connection.channel().unsafe().outboundBuffer();
                if (out != null && out.totalPendingWriteBytes() > 0 && connection.channel().isActive()) {
                    awaitHead();
                } else {
                    late(connection, lateHeads);
                }
            }

            /** Sees each request as decoded: its head, and the end of its body. */
            final class Decoded extends ChannelInboundHandlerAdapter {
                private final ChannelHandlerContext connection;

                Decoded(ChannelHandlerContext connection) {
                    this.connection = connection;
                }

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object message) {
                    if (message instanceof HttpRequest request) {
                        headArrived();
                        unanswered++;
                        if (hasBody(request) && !StreamedBodies.matches(request.method().name(), request.uri())) {
                            body = ctx.executor().schedule(() -> late(connection, lateBodies), bodyTimeoutMillis, TimeUnit.MILLISECONDS);
                        }
                    }
                    if (message instanceof LastHttpContent) {
                        cancel(body);
                        body = null;
                    }
                    ctx.fireChannelRead(message);
                }
            }

            private void late(ChannelHandlerContext ctx, Counter counter) {
                if (ctx.channel().isActive()) {
                    counter.increment();
                    ctx.close();
                }
            }

            private static boolean hasBody(HttpRequest request) {
                try {
                    return HttpUtil.getContentLength(request, 0L) > 0 || HttpUtil.isTransferEncodingChunked(request);
                } catch (NumberFormatException malformed) {
                    return false; // Vert.x refuses the request (400) and closes the connection itself
                }
            }

            private static void cancel(ScheduledFuture<?> deadline) {
                if (deadline != null) {
                    deadline.cancel(false);
                }
            }
        }
    }
}
