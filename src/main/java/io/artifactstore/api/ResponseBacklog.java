package io.artifactstore.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * What one connection's reader has not taken yet: the answer bytes still queued in the service once
 * the kernel's socket buffer is full. Nearest the socket in the connection's pipeline, so it sees
 * every encoded byte and every file region. Costs nothing while answers leave at once; while some
 * wait, it checks every {@code stall-timeout} that the reader took at least {@code min-rate} of them
 * (or closes the connection), and counts the waiting buffers against the service's {@code max-backlog}
 * (README, "Configuration reference": {@code artifact-store.responses.*}).
 */
final class ResponseBacklog extends ChannelDuplexHandler {

    static final String NAME = "artifact-store-response-backlog";

    private final SlowReaders readers;
    /** Bytes flushed towards the socket so far, and written but not flushed yet. */
    private long flushed;
    private long unflushed;
    /** Bytes the socket had taken at the last check. */
    private long takenAtCheck;
    /** This connection's share of the service-wide backlog. */
    private long held;
    private ScheduledFuture<?> check;
    private boolean dropped;

    ResponseBacklog(SlowReaders readers) {
        this.readers = readers;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        unflushed += bytesOf(msg);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        flushed += unflushed;
        unflushed = 0;
        ctx.flush();
        ChannelOutboundBuffer queue = ctx.channel().unsafe().outboundBuffer();
        if (queue == null || queue.isEmpty()) {
            return; // the usual case: the socket took everything
        }
        if (!hold(queue)) {
            drop(ctx, SlowReaders.Reason.BACKLOG);
            return;
        }
        if (check == null) {
            takenAtCheck = flushed - unsent(queue);
            check = ctx.executor().schedule(() -> check(ctx), readers.windowMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void check(ChannelHandlerContext ctx) {
        check = null;
        ChannelOutboundBuffer queue = ctx.channel().unsafe().outboundBuffer();
        if (queue == null || !ctx.channel().isActive()) {
            return;
        }
        long unsent = unsent(queue);
        long taken = flushed - unsent;
        if (unsent == 0) {
            readers.hold(-held);
            held = 0;
            return; // taken in time; the next answer that waits starts a new window
        }
        if (taken - takenAtCheck < readers.minBytesPerWindow()) {
            drop(ctx, SlowReaders.Reason.STALLED);
            return;
        }
        takenAtCheck = taken;
        if (!hold(queue)) {
            drop(ctx, SlowReaders.Reason.BACKLOG);
            return;
        }
        check = ctx.executor().schedule(() -> check(ctx), readers.windowMillis(), TimeUnit.MILLISECONDS);
    }

    /** Counts the queued buffers against the service's backlog; false when this connection's growth went over it. */
    private boolean hold(ChannelOutboundBuffer queue) {
        long now = queue.totalPendingWriteBytes();
        long grew = now - held;
        held = now;
        return readers.hold(grew);
    }

    private void drop(ChannelHandlerContext ctx, SlowReaders.Reason reason) {
        if (!dropped) {
            dropped = true;
            readers.dropped(reason);
            ctx.channel().close();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (check != null) {
            check.cancel(false);
            check = null;
        }
        readers.hold(-held);
        held = 0;
        super.channelInactive(ctx);
    }

    /**
     * A client that hung up, or one this handler dropped, fails the writes still queued for it: its
     * own doing, not the service's, so it ends the connection without an ERROR line and a stack trace.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
        if (cause instanceof IOException && (dropped || !ctx.channel().isActive())) {
            ctx.channel().close();
            return;
        }
        super.exceptionCaught(ctx, cause);
    }

    /** The bytes still to send of the flushed messages. */
    private static long unsent(ChannelOutboundBuffer queue) {
        long[] unsent = {0};
        try {
            queue.forEachFlushedMessage(msg -> {
                unsent[0] += bytesOf(msg);
                return true;
            });
        } catch (Exception e) {
            throw new IllegalStateException(e); // the processor above throws nothing
        }
        return unsent[0];
    }

    private static long bytesOf(Object msg) {
        if (msg instanceof ByteBuf buffer) {
            return buffer.readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return region.count() - region.transferred();
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return 0;
    }
}
