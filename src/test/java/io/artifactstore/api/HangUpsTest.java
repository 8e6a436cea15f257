package io.artifactstore.api;

import io.artifactstore.core.StoreFailure;
import io.vertx.core.http.HttpClosedException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/** What counts as the client hanging up, however deep the failure that says so. */
class HangUpsTest {

    @Test
    void aClosedResetOrBrokenClientConnectionIsAHangUp() {
        assertThat(HangUps.isClientGone(new HttpClosedException("Connection was closed"))).isTrue();
        assertThat(HangUps.isClientGone(new ClosedChannelException())).isTrue();
        assertThat(HangUps.isClientGone(new SocketException("Connection reset"))).isTrue();
        assertThat(HangUps.isClientGone(new IOException("Broken pipe"))).isTrue();
        assertThat(HangUps.isClientGone(new CompletionException(new RuntimeException(new HttpClosedException("closed"))))).isTrue();
    }

    @Test
    void anOutageOrAnotherFailureIsNot() {
        assertThat(HangUps.isClientGone(new ConnectException("Connection refused"))).as("the database or a store is down").isFalse();
        assertThat(HangUps.isClientGone(StoreFailure.unavailable(new ConnectException("Connection refused")))).isFalse();
        assertThat(HangUps.isClientGone(new IOException("No space left on device"))).isFalse();
        assertThat(HangUps.isClientGone(new IllegalStateException("a bug"))).isFalse();
        assertThat(HangUps.isClientGone(null)).isFalse();
    }
}
