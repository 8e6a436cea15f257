package io.artifactstore.records;

import io.artifactstore.core.DomainFailure;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every variant transition and every illegal one, as plain code: the state each ends in, the
 * versions it releases and when their bytes may go (the ticket's writable-until plus the grace,
 * never before now), that the state it started from is left as it was, and the kind of failure
 * that turns an illegal one down.
 */
class VariantTransitionsTest {

    private static final Duration GRACE = Duration.ofMinutes(10);
    private static final Instant NOW = Instant.parse("2026-12-08T01:00:00Z");
    /** What the expiry reaper passes: tickets that stopped writing at least the grace ago. */
    private static final Instant CUTOFF = NOW.minus(GRACE);

    /** A ticket whose URL may still write: its bytes may go at writable-until + grace, after now. */
    private static final Instant LIVE = NOW.plus(Duration.ofMinutes(5));
    /** A ticket that stopped writing long ago: its bytes may go now. */
    private static final Instant LONG_GONE = NOW.minus(Duration.ofHours(2));

    private static final String TENANT = "acme";
    private static final String ARTIFACT = "01JARTIFACT";
    private static final String NAME = "original";
    private static final String K1 = "acme/image/_/01JARTIFACT/original/01JV1";
    private static final String K2 = "acme/image/_/01JARTIFACT/original/01JV2";
    private static final String R1 = "acme/image/_/01JARTIFACT/original/01JR1";
    private static final String R2 = "acme/image/_/01JARTIFACT/original/01JR2";
    private static final String STREAMED = "acme/image/_/01JARTIFACT/original/01JW1";
    private static final String DECLARED_SHA = "a".repeat(64);
    private static final String READ_SHA = "b".repeat(64);
    private static final String REPLACEMENT_SHA = "c".repeat(64);

    private final VariantTransitions transitions = new VariantTransitions(GRACE);

    @Nested
    class Ticket {

        @Test
        void aNewVariantIsRecordedPendingAndReleasesNothing() {
            Variant wanted = wanted(K1, "local", LIVE);
            wanted.status = null; // the transition, not the caller, decides the state
            Transition t = transitions.ticket(null, wanted, false, NOW);

            assertThat(t.changed()).isTrue();
            assertThat(t.before()).isNull();
            assertThat(t.next()).isNotSameAs(wanted);
            Variant expected = wanted(K1, "local", LIVE);
            expected.status = Status.PENDING;
            assertState(t.next(), expected);
            assertThat(t.released()).isEmpty();
            assertThat(wanted.status).as("the wanted state is not changed").isNull();
        }

        @Test
        void aPendingVariantMovesToTheNewVersionAndReleasesTheOneItsLiveTicketMayStillWrite() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.ticket(v, wanted(K2, "s3", NOW.plus(Duration.ofHours(1))), false, NOW));

            assertMovedToWanted(t, pending(K1, LIVE));
            assertThat(t.released()).containsExactly(released("local", K1, LIVE.plus(GRACE)));
        }

        @Test
        void anExpiredVariantMovesToTheNewVersionAndReleasesNothingTheReaperReleasedItsVersion() {
            Transition t = change(() -> expired(K1, LONG_GONE), v -> transitions.ticket(v, wanted(K2, "s3", NOW.plus(Duration.ofHours(1))), false, NOW));

            assertMovedToWanted(t, expired(K1, LONG_GONE));
            assertThat(t.released()).isEmpty();
        }

        @Test
        void aMissingVariantMovesToTheNewVersionAndReleasesItsVersionNow() {
            Transition t = change(() -> missing(K1, LONG_GONE), v -> transitions.ticket(v, wanted(K2, "s3", NOW.plus(Duration.ofHours(1))), false, NOW));

            assertMovedToWanted(t, missing(K1, LONG_GONE));
            assertThat(t.next().completedAt).as("a pending variant has not completed").isNull();
            assertThat(t.released()).containsExactly(released("local", K1, NOW));
        }

        @Test
        void replaceOnAPendingVariantIsAnOrdinaryNewTicket() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.ticket(v, wanted(K2, "s3", NOW.plus(Duration.ofHours(1))), true, NOW));

            assertMovedToWanted(t, pending(K1, LIVE));
            assertThat(t.next().hasReplacement()).isFalse();
            assertThat(t.released()).containsExactly(released("local", K1, LIVE.plus(GRACE)));
        }

        @Test
        void anAvailableVariantIsNotTicketedAgainWithoutReplace() {
            fails(() -> available(K1, LONG_GONE), v -> transitions.ticket(v, wanted(K2, "s3", LIVE), false, NOW),
                    DomainFailure.Kind.CONFLICT);
        }

        @Test
        void replaceKeepsTheVerifiedVersionAndRecordsThePendingReplacement() {
            Instant replacementExpires = NOW.plus(Duration.ofHours(1));
            Transition t = change(() -> available(K1, LONG_GONE), v -> transitions.ticket(v, wanted(R1, "s3", replacementExpires), true, NOW));

            Variant expected = available(K1, LONG_GONE);
            withReplacement(expected, "s3", R1, replacementExpires).replacementSha256 = null; // none declared
            assertChangedTo(t, expected);
            assertThat(t.released()).isEmpty();
        }

        @Test
        void aSecondReplaceReleasesTheEarlierReplacementWhoseLiveTicketMayStillWrite() {
            Instant replacementExpires = NOW.plus(Duration.ofHours(1));
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, LIVE),
                    v -> transitions.ticket(v, wanted(R2, "local", replacementExpires), true, NOW));

            Variant expected = available(K1, LONG_GONE);
            withReplacement(expected, "local", R2, replacementExpires).replacementSha256 = null; // none declared
            assertChangedTo(t, expected);
            assertThat(t.released()).containsExactly(released("s3", R1, LIVE.plus(GRACE)));
        }

        private void assertMovedToWanted(Transition t, Variant from) {
            Variant expected = from;
            expected.status = Status.PENDING;
            expected.provider = "s3";
            expected.storageKey = K2;
            expected.contentType = "image/webp";
            expected.size = 2048;
            expected.sha256 = null;
            expected.createdAt = NOW;
            expected.uploadExpiresAt = NOW.plus(Duration.ofHours(1));
            expected.completedAt = null;
            assertChangedTo(t, expected);
        }
    }

    @Nested
    class Complete {

        @Test
        void aPendingVariantWhoseCheckedVersionItStillNamesBecomesAvailableWithTheShaReadBack() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.complete(v, K1, READ_SHA, NOW));

            Variant expected = pending(K1, LIVE);
            expected.status = Status.AVAILABLE;
            expected.sha256 = READ_SHA;
            expected.completedAt = NOW;
            assertChangedTo(t, expected);
            assertThat(t.released()).as("the version it names stays").isEmpty();
        }

        @Test
        void withoutAShaReadBackTheDeclaredOneStays() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.complete(v, K1, null, NOW));

            assertThat(t.next().status).isEqualTo(Status.AVAILABLE);
            assertThat(t.next().sha256).isEqualTo(DECLARED_SHA);
        }

        @Test
        void aCompleteThatAnotherCompleteOfTheSameUploadGotToFirstChangesNothing() {
            Transition t = change(() -> available(K1, LIVE), v -> transitions.complete(v, K1, READ_SHA, NOW));

            assertUnchanged(t);
        }

        @Test
        void anExpiredTicketCannotBeCompleted() {
            fails(() -> expired(K1, LONG_GONE), v -> transitions.complete(v, K1, READ_SHA, NOW), DomainFailure.Kind.EXPIRED);
        }

        @Test
        void aMissingVariantCannotBeCompleted() {
            fails(() -> missing(K1, LONG_GONE), v -> transitions.complete(v, K1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aVariantThatMovedToAnotherVersionWhileTheUploadWasCheckedIsNotCompleted() {
            fails(() -> pending(K2, LIVE), v -> transitions.complete(v, K1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
            fails(() -> available(K2, LIVE), v -> transitions.complete(v, K1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aGoneVariantIsNotFound() {
            assertFailure(() -> transitions.complete(null, K1, READ_SHA, NOW), DomainFailure.Kind.NOT_FOUND);
        }

        @Test
        void checkCompletableLetsPendingAndAvailableVariantsThrough() {
            VariantTransitions.checkCompletable(pending(K1, LIVE));
            VariantTransitions.checkCompletable(available(K1, LIVE));
            assertFailure(() -> VariantTransitions.checkCompletable(expired(K1, LONG_GONE)), DomainFailure.Kind.EXPIRED);
            assertFailure(() -> VariantTransitions.checkCompletable(missing(K1, LONG_GONE)), DomainFailure.Kind.CONFLICT);
            assertFailure(() -> VariantTransitions.checkCompletable(null), DomainFailure.Kind.NOT_FOUND);
        }
    }

    @Nested
    class CompleteReplacement {

        private final Instant replacementExpires = NOW.plus(Duration.ofMinutes(30));

        @Test
        void theReplacementWrittenAtTheTicketsKeyBecomesTheVersionAndReleasesTheOneItLeaves() {
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "s3", R1, READ_SHA, NOW));

            Variant expected = swappedIn("s3", R1, READ_SHA);
            assertChangedTo(t, expected);
            assertThat(t.released()).containsExactly(released("local", K1, NOW));
        }

        @Test
        void aReplacementStreamedToAVersionOfItsOwnReleasesTheOneItLeavesAndTheTicketsKey() {
            Transition t = change(() -> withReplacement(available(K1, LIVE), "s3", R1, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "local", STREAMED, READ_SHA, NOW));

            assertChangedTo(t, swappedIn("local", STREAMED, READ_SHA));
            assertThat(t.released()).containsExactly(
                    released("local", K1, LIVE.plus(GRACE)),
                    released("s3", R1, replacementExpires.plus(GRACE)));
        }

        @Test
        void withoutAShaReadBackTheReplacementsDeclaredOneIsRecorded() {
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "s3", R1, null, NOW));

            assertChangedTo(t, swappedIn("s3", R1, REPLACEMENT_SHA));
        }

        @Test
        void aCompleteThatAnotherCompleteOfTheSameUploadGotToFirstChangesNothing() {
            Transition t = change(() -> available(STREAMED, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "local", STREAMED, READ_SHA, NOW));

            assertUnchanged(t);
        }

        @Test
        void aReplacementThatGotANewTicketWhileItWasCheckedIsNotSwappedIn() {
            fails(() -> withReplacement(available(K1, LONG_GONE), "s3", R2, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "s3", R1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aReplacementThatWasDroppedIsNotSwappedIn() {
            fails(() -> available(K1, LONG_GONE),
                    v -> transitions.completeReplacement(v, R1, "s3", R1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aReplacementOfAVariantFoundMissingIsNotSwappedIn() {
            fails(() -> withReplacement(missing(K1, LONG_GONE), "s3", R1, replacementExpires),
                    v -> transitions.completeReplacement(v, R1, "s3", R1, READ_SHA, NOW), DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aGoneVariantIsNotFound() {
            assertFailure(() -> transitions.completeReplacement(null, R1, "s3", R1, READ_SHA, NOW), DomainFailure.Kind.NOT_FOUND);
        }

        private Variant swappedIn(String provider, String key, String sha256) {
            Variant expected = available(key, replacementExpires);
            expected.provider = provider;
            expected.contentType = "image/webp";
            expected.size = 2048;
            expected.sha256 = sha256;
            expected.completedAt = NOW;
            return expected;
        }
    }

    @Nested
    class Streamed {

        @Test
        void aPendingVariantMovesToTheStreamedVersionAndReleasesTheOneItsTicketMayStillWrite() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.streamed(v, K1, "s3", STREAMED, READ_SHA, NOW));

            Variant expected = pending(K1, LIVE);
            expected.status = Status.AVAILABLE;
            expected.provider = "s3";
            expected.storageKey = STREAMED;
            expected.sha256 = READ_SHA;
            expected.completedAt = NOW;
            assertChangedTo(t, expected);
            assertThat(t.released()).containsExactly(released("local", K1, LIVE.plus(GRACE)));
        }

        @Test
        void theReleasedVersionOfATicketLongGoneMayGoNow() {
            Transition t = change(() -> pending(K1, LONG_GONE), v -> transitions.streamed(v, K1, "local", STREAMED, null, NOW));

            assertThat(t.next().sha256).as("the declared sha256 stays").isEqualTo(DECLARED_SHA);
            assertThat(t.released()).containsExactly(released("local", K1, NOW));
        }

        @Test
        void anUploadThatAnotherOneCompletedFirstIsNotRecorded() {
            fails(() -> available(K1, LIVE), v -> transitions.streamed(v, K1, "s3", STREAMED, READ_SHA, NOW),
                    DomainFailure.Kind.CONFLICT);
        }

        @Test
        void anUploadOfAVariantThatGotANewTicketMeanwhileIsNotRecorded() {
            fails(() -> pending(K2, LIVE), v -> transitions.streamed(v, K1, "s3", STREAMED, READ_SHA, NOW),
                    DomainFailure.Kind.CONFLICT);
        }

        @Test
        void anExpiredOrMissingVariantTakesNoStreamedBytes() {
            fails(() -> expired(K1, LONG_GONE), v -> transitions.streamed(v, K1, "s3", STREAMED, READ_SHA, NOW),
                    DomainFailure.Kind.CONFLICT);
            fails(() -> missing(K1, LONG_GONE), v -> transitions.streamed(v, K1, "s3", STREAMED, READ_SHA, NOW),
                    DomainFailure.Kind.CONFLICT);
        }

        @Test
        void aGoneVariantIsNotFound() {
            assertFailure(() -> transitions.streamed(null, K1, "s3", STREAMED, READ_SHA, NOW), DomainFailure.Kind.NOT_FOUND);
        }
    }

    @Nested
    class ExpireUpload {

        @Test
        void aPendingVariantWhoseTicketStoppedWritingAtTheCutoffExpiresAndReleasesItsVersionNow() {
            Transition t = change(() -> pending(K1, CUTOFF), v -> transitions.expireUpload(v, CUTOFF, NOW));

            Variant expected = pending(K1, CUTOFF);
            expected.status = Status.EXPIRED;
            assertChangedTo(t, expected);
            assertThat(t.released()).containsExactly(released("local", K1, NOW));
        }

        @Test
        void aPendingVariantWhoseTicketStoppedWritingBeforeTheCutoffExpires() {
            Transition t = change(() -> pending(K1, LONG_GONE), v -> transitions.expireUpload(v, CUTOFF, NOW));

            assertThat(t.next().status).isEqualTo(Status.EXPIRED);
            assertThat(t.released()).containsExactly(released("local", K1, NOW));
        }

        @Test
        void aPendingVariantWhoseTicketStoppedWritingAfterTheCutoffStaysPending() {
            Transition t = change(() -> pending(K1, CUTOFF.plusMillis(1)), v -> transitions.expireUpload(v, CUTOFF, NOW));

            assertUnchanged(t);
        }

        @Test
        void anEarlierCutoffNeverReleasesBytesBeforeTheGraceIsOver() {
            Instant stopped = NOW.minus(Duration.ofMinutes(4));
            Transition t = change(() -> pending(K1, stopped), v -> transitions.expireUpload(v, NOW, NOW));

            assertThat(t.next().status).isEqualTo(Status.EXPIRED);
            assertThat(t.released()).containsExactly(released("local", K1, stopped.plus(GRACE)));
        }

        @Test
        void onlyPendingVariantsExpire() {
            assertUnchanged(change(() -> available(K1, LONG_GONE), v -> transitions.expireUpload(v, CUTOFF, NOW)));
            assertUnchanged(change(() -> expired(K1, LONG_GONE), v -> transitions.expireUpload(v, CUTOFF, NOW)));
            assertUnchanged(change(() -> missing(K1, LONG_GONE), v -> transitions.expireUpload(v, CUTOFF, NOW)));
        }
    }

    @Nested
    class ExpireReplacement {

        @Test
        void aReplacementWhoseTicketStoppedWritingAtTheCutoffIsDroppedAndTheVerifiedVersionStays() {
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, CUTOFF),
                    v -> transitions.expireReplacement(v, CUTOFF, NOW));

            assertChangedTo(t, available(K1, LONG_GONE));
            assertThat(t.released()).containsExactly(released("s3", R1, NOW));
        }

        @Test
        void aReplacementWhoseTicketStoppedWritingAfterTheCutoffStays() {
            assertUnchanged(change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, CUTOFF.plusMillis(1)),
                    v -> transitions.expireReplacement(v, CUTOFF, NOW)));
        }

        @Test
        void aVariantWithoutReplacementStaysAsItIs() {
            assertUnchanged(change(() -> available(K1, LONG_GONE), v -> transitions.expireReplacement(v, CUTOFF, NOW)));
            assertUnchanged(change(() -> pending(K1, LONG_GONE), v -> transitions.expireReplacement(v, CUTOFF, NOW)));
        }

        /*
         * markMissing and a new ticket keep a pending replacement (as the record did before); its
         * ticket still runs out, and its key must be released then, or its bytes stay for ever.
         */
        @Test
        void theExpiredReplacementOfAVariantFoundMissingIsDroppedToo() {
            Transition t = change(() -> withReplacement(missing(K1, LONG_GONE), "s3", R1, LONG_GONE),
                    v -> transitions.expireReplacement(v, CUTOFF, NOW));

            assertChangedTo(t, missing(K1, LONG_GONE));
            assertThat(t.released()).containsExactly(released("s3", R1, NOW));
        }

        @Test
        void theExpiredReplacementOfAVariantTicketedAgainIsDroppedToo() {
            Transition t = change(() -> withReplacement(pending(K2, LIVE), "s3", R1, LONG_GONE),
                    v -> transitions.expireReplacement(v, CUTOFF, NOW));

            assertChangedTo(t, pending(K2, LIVE));
            assertThat(t.released()).containsExactly(released("s3", R1, NOW));
        }
    }

    @Nested
    class Delete {

        @Test
        void aDeletedVariantReleasesItsVersionOnceItsTicketCannotWriteThereAnyMore() {
            Transition t = change(() -> pending(K1, LIVE), v -> transitions.delete(v, NOW));

            assertThat(t.changed()).isTrue();
            assertThat(t.next()).isNull();
            assertThat(t.released()).containsExactly(released("local", K1, LIVE.plus(GRACE)));
        }

        @Test
        void aDeletedVariantWithAReplacementReleasesBothVersions() {
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, LIVE), v -> transitions.delete(v, NOW));

            assertThat(t.next()).isNull();
            assertThat(t.released()).containsExactly(released("local", K1, NOW), released("s3", R1, LIVE.plus(GRACE)));
        }
    }

    @Nested
    class MarkMissing {

        @Test
        void anAvailableVariantWhoseBytesAreGoneTurnsMissingAndReleasesNothing() {
            Transition t = change(() -> withReplacement(available(K1, LONG_GONE), "s3", R1, LIVE), transitions::markMissing);

            Variant expected = withReplacement(available(K1, LONG_GONE), "s3", R1, LIVE);
            expected.status = Status.MISSING;
            assertChangedTo(t, expected);
            assertThat(t.released()).as("no record lets go of a version").isEmpty();
        }

        @Test
        void anyOtherVariantStaysAsItIs() {
            assertUnchanged(change(() -> pending(K1, LIVE), transitions::markMissing));
            assertUnchanged(change(() -> expired(K1, LONG_GONE), transitions::markMissing));
            assertUnchanged(change(() -> missing(K1, LONG_GONE), transitions::markMissing));
        }
    }

    @Test
    void aVariantsWholeLifeEndsWithEveryVersionItNamedReleased() {
        Variant v = transitions.ticket(null, wanted(K1, "local", LIVE), false, NOW).next();
        v = transitions.complete(v, K1, READ_SHA, NOW).next();
        v = transitions.ticket(v, wanted(R1, "s3", LIVE), true, NOW).next();
        Transition swapped = transitions.completeReplacement(v, R1, "s3", R1, null, NOW);
        v = swapped.next();
        v = transitions.markMissing(v).next();
        Transition reticketed = transitions.ticket(v, wanted(K2, "local", LIVE), false, NOW);
        v = reticketed.next();
        Transition streamed = transitions.streamed(v, K2, "s3", STREAMED, null, NOW);
        Transition deleted = transitions.delete(streamed.next(), NOW);

        assertThat(swapped.released()).extracting(Released::storageKey).containsExactly(K1);
        assertThat(reticketed.released()).extracting(Released::storageKey).containsExactly(R1);
        assertThat(streamed.released()).extracting(Released::storageKey).containsExactly(K2);
        assertThat(deleted.released()).extracting(Released::storageKey).containsExactly(STREAMED);
    }

    @Test
    void releasedBytesMayGoOnceTheTicketStoppedWritingPlusTheGraceNeverBeforeNow() {
        assertThat(Released.sweepAt(LIVE, NOW, GRACE)).isEqualTo(LIVE.plus(GRACE));
        assertThat(Released.sweepAt(NOW.minus(Duration.ofMinutes(4)), NOW, GRACE)).isEqualTo(NOW.plus(Duration.ofMinutes(6)));
        assertThat(Released.sweepAt(CUTOFF, NOW, GRACE)).isEqualTo(NOW);
        assertThat(Released.sweepAt(LONG_GONE, NOW, GRACE)).isEqualTo(NOW);
    }

    /** Every transition changes a copy; a column copy() forgets would be lost by every one of them. */
    @Test
    void aCopyCarriesEveryColumn() throws IllegalAccessException {
        Variant original = new Variant();
        int columns = 0;
        for (Field field : Variant.class.getDeclaredFields()) {
            if (Modifier.isStatic(field.getModifiers()) || field.isSynthetic()) {
                continue;
            }
            field.set(original, sample(field.getType()));
            assertThat(field.get(original)).as(field.getName()).isNotNull();
            columns++;
        }
        assertThat(columns).isGreaterThan(10);

        Variant copy = original.copy();

        assertThat(copy).isNotSameAs(original);
        assertThat(copy).usingRecursiveComparison().isEqualTo(original);
    }

    private static Object sample(Class<?> type) {
        if (type == String.class) {
            return "x";
        }
        if (type == Status.class) {
            return Status.MISSING;
        }
        if (type == long.class || type == Long.class) {
            return 7L;
        }
        if (type == Instant.class) {
            return NOW;
        }
        throw new AssertionError("No sample value for a column of type " + type + ": add one here");
    }

    // --- the states transitions start from ---------------------------------------------------------

    private static Variant pending(String key, Instant uploadExpiresAt) {
        Variant v = new Variant();
        v.tenantId = TENANT;
        v.artifactId = ARTIFACT;
        v.name = NAME;
        v.status = Status.PENDING;
        v.provider = "local";
        v.storageKey = key;
        v.contentType = "image/png";
        v.size = 1024;
        v.sha256 = DECLARED_SHA;
        v.createdAt = NOW.minus(Duration.ofHours(3));
        v.uploadExpiresAt = uploadExpiresAt;
        return v;
    }

    private static Variant available(String key, Instant uploadExpiresAt) {
        Variant v = pending(key, uploadExpiresAt);
        v.status = Status.AVAILABLE;
        v.completedAt = NOW.minus(Duration.ofHours(1));
        return v;
    }

    private static Variant expired(String key, Instant uploadExpiresAt) {
        Variant v = pending(key, uploadExpiresAt);
        v.status = Status.EXPIRED;
        return v;
    }

    private static Variant missing(String key, Instant uploadExpiresAt) {
        Variant v = available(key, uploadExpiresAt);
        v.status = Status.MISSING;
        return v;
    }

    private static Variant withReplacement(Variant v, String provider, String key, Instant expiresAt) {
        v.replacementProvider = provider;
        v.replacementKey = key;
        v.replacementContentType = "image/webp";
        v.replacementSize = 2048L;
        v.replacementSha256 = REPLACEMENT_SHA;
        v.replacementExpiresAt = expiresAt;
        return v;
    }

    /** The variant a new ticket asks for, as the ticket service builds it. */
    private static Variant wanted(String key, String provider, Instant uploadExpiresAt) {
        Variant v = new Variant();
        v.tenantId = TENANT;
        v.artifactId = ARTIFACT;
        v.name = NAME;
        v.status = Status.PENDING;
        v.provider = provider;
        v.storageKey = key;
        v.contentType = "image/webp";
        v.size = 2048;
        v.sha256 = null;
        v.createdAt = NOW;
        v.uploadExpiresAt = uploadExpiresAt;
        return v;
    }

    private static Released released(String provider, String key, Instant sweepAt) {
        return new Released(TENANT, ARTIFACT, NAME, provider, key, sweepAt);
    }

    // --- assertions ----------------------------------------------------------------------------------

    /** Runs {@code transition} on a state from {@code state} and checks it left that state as it was. */
    private static Transition change(Supplier<Variant> state, Function<Variant, Transition> transition) {
        Variant input = state.get();
        Transition t = transition.apply(input);
        assertState(input, state.get());
        assertThat(t.before()).as("the state the transition started from").isSameAs(input);
        return t;
    }

    /** Checks that {@code transition} turns a state from {@code state} down for {@code kind}, leaving it as it was. */
    private static void fails(Supplier<Variant> state, Function<Variant, Transition> transition, DomainFailure.Kind kind) {
        Variant input = state.get();
        assertFailure(() -> transition.apply(input), kind);
        assertState(input, state.get());
    }

    private static void assertFailure(ThrowingCallable call, DomainFailure.Kind kind) {
        assertThatThrownBy(call).isInstanceOfSatisfying(DomainFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(kind);
            assertThat(f.getMessage()).isNotBlank();
        });
    }

    private static void assertChangedTo(Transition t, Variant expected) {
        assertThat(t.changed()).isTrue();
        assertThat(t.next()).as("a new state, never the one it started from").isNotSameAs(t.before());
        assertState(t.next(), expected);
    }

    private static void assertUnchanged(Transition t) {
        assertThat(t.changed()).isFalse();
        assertThat(t.next()).isSameAs(t.before());
        assertThat(t.released()).isEmpty();
    }

    private static void assertState(Variant actual, Variant expected) {
        assertThat(actual).usingRecursiveComparison().isEqualTo(expected);
    }
}
