package io.artifactstore.provider.local;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteRangeTest {

    @Test
    void singleRanges() {
        assertThat(ByteRange.parse("bytes=0-9", 100)).contains(new ByteRange(0, 10));
        assertThat(ByteRange.parse("bytes=90-", 100)).contains(new ByteRange(90, 10));
        assertThat(ByteRange.parse("bytes=-10", 100)).contains(new ByteRange(90, 10));
        assertThat(ByteRange.parse("bytes=95-200", 100)).contains(new ByteRange(95, 5));
        assertThat(ByteRange.parse("bytes=-500", 100)).contains(new ByteRange(0, 100));
        assertThat(new ByteRange(90, 10).contentRange(100)).isEqualTo("bytes 90-99/100");
    }

    @Test
    void whatTheServerMayIgnoreGivesTheWholeObject() {
        assertThat(ByteRange.parse(null, 100)).isEmpty();
        assertThat(ByteRange.parse("items=0-1", 100)).isEmpty();
        assertThat(ByteRange.parse("bytes=0-1,5-6", 100)).isEmpty();
        assertThat(ByteRange.parse("bytes=abc", 100)).isEmpty();
        assertThat(ByteRange.parse("bytes=9-2", 100)).isEmpty();
    }

    @Test
    void rangesOutsideTheObjectAreUnsatisfiable() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=100-", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 100)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-5", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }
}
