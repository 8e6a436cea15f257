package io.artifactstore.records;

import io.artifactstore.config.ArtifactStoreConfig;
import io.artifactstore.core.DomainFailure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Every change of a variant's state, as pure code: each takes the variant as its record holds it now
 * (read under the artifact's lock) and answers the {@link Transition} (the new state and the
 * versions it releases), or fails with the {@link DomainFailure} that makes it illegal. Nothing here
 * reads or writes anything; {@link Changes#apply} writes the outcome. A new state, or a new column
 * a transition sets, goes here (README "Architecture").
 *
 * <pre>
 *   (none) ──ticket──▶ PENDING ──complete / streamed──▶ AVAILABLE ──markMissing──▶ MISSING
 *                         │  ▲                             │  ▲                       │
 *                 expire  │  │ ticket                ticket│  │complete               │ ticket
 *                         ▼  │                 (replace) ▼  │ replacement            ▼
 *                       EXPIRED               AVAILABLE + replacement            PENDING
 * </pre>
 */
@ApplicationScoped
public class VariantTransitions {

    private final Duration grace;

    @Inject
    public VariantTransitions(ArtifactStoreConfig config) {
        this(config.lifecycle().pendingGrace());
    }

    /** With {@code grace}, the time a PUT that started before its URL expired may take to finish. */
    public VariantTransitions(Duration grace) {
        this.grace = grace;
    }

    /**
     * A ticket for {@code wanted}, a PENDING variant on a new version, where the variant is {@code
     * existing} (null: none yet). A pending, expired or missing variant moves to the new version (the
     * version a pending or missing one named is released: a URL handed out for it may still write
     * there; an expired one's was released when it expired). An available one stays as it is unless
     * {@code replace}: the new version becomes its pending replacement, releasing an earlier one.
     */
    public Transition ticket(Variant existing, Variant wanted, boolean replace, Instant now) {
        if (existing == null) {
            Variant created = wanted.copy();
            created.status = Status.PENDING;
            return Transition.to(null, created, List.of());
        }
        if (existing.status == Status.AVAILABLE) {
            if (!replace) {
                throw DomainFailure.conflict("Variant " + existing.name
                        + " is already uploaded; ask for a ticket with \"replace\": true to replace its bytes");
            }
            Variant next = existing.copy();
            next.replaceWith(wanted);
            return Transition.to(existing, next, existing.hasReplacement()
                    ? List.of(Released.of(existing.replacement(), now, grace)) : List.of());
        }
        Variant next = existing.copy();
        next.status = Status.PENDING;
        next.provider = wanted.provider;
        next.storageKey = wanted.storageKey;
        next.contentType = wanted.contentType;
        next.size = wanted.size;
        next.sha256 = wanted.sha256;
        next.createdAt = wanted.createdAt;
        next.uploadExpiresAt = wanted.uploadExpiresAt;
        next.completedAt = null;
        return Transition.to(existing, next, existing.status == Status.EXPIRED ? List.of()
                : List.of(Released.of(existing, now, grace)));
    }

    /**
     * Fails when {@code current} cannot be completed at all, before its bytes are checked: gone, or
     * its ticket expired, or its bytes found missing (a new ticket starts over).
     */
    public static void checkCompletable(Variant current) {
        if (current == null) {
            throw noSuchVariant();
        }
        if (current.status == Status.EXPIRED) {
            throw DomainFailure.of(DomainFailure.Kind.EXPIRED, "The upload ticket of variant " + current.name
                    + " expired before it was completed; request a new ticket (POST /api/v1/artifacts with this artifactId)"
                    + " and upload again");
        }
        if (current.status == Status.MISSING) {
            throw DomainFailure.conflict("The bytes of variant " + current.name + " were found missing; request a new"
                    + " ticket (POST /api/v1/artifacts with this artifactId) and upload again");
        }
    }

    /**
     * The checked version {@code checkedKey} of a pending variant becomes available, with the sha256
     * read from the store (null: the declared one stays). Unchanged when it already is (a parallel
     * complete of the same upload got there first); a conflict when the variant moved to another
     * version meanwhile.
     */
    public Transition complete(Variant current, String checkedKey, String verifiedSha256, Instant now) {
        checkCompletable(current);
        if (current.status == Status.AVAILABLE && current.storageKey.equals(checkedKey)) {
            return Transition.unchanged(current);
        }
        if (current.status != Status.PENDING || !current.storageKey.equals(checkedKey)) {
            throw DomainFailure.conflict("The variant got a new upload ticket while this upload was being checked;"
                    + " upload with the new ticket and complete again");
        }
        Variant next = current.copy();
        next.status = Status.AVAILABLE;
        next.sha256 = verifiedSha256 != null ? verifiedSha256 : current.sha256;
        next.completedAt = now;
        return Transition.to(current, next, List.of());
    }

    /**
     * A pending variant's bytes, streamed through the service to a version of their own ({@code
     * writtenKey} on {@code provider}), become its version if it still names {@code startedKey}, the
     * version the upload started from; that one is released (its ticket's URL may still write there).
     */
    public Transition streamed(Variant current, String startedKey, String provider, String writtenKey, String sha256, Instant now) {
        if (current == null) {
            throw noSuchVariant();
        }
        if (current.status != Status.PENDING || !current.storageKey.equals(startedKey)) {
            throw DomainFailure.conflict(current.status == Status.AVAILABLE
                    ? "Another upload of this variant completed first"
                    : "The variant got a new upload ticket while this upload was streaming");
        }
        Variant next = current.copy();
        next.status = Status.AVAILABLE;
        next.provider = provider;
        next.storageKey = writtenKey;
        next.sha256 = sha256 != null ? sha256 : current.sha256;
        next.completedAt = now;
        return Transition.to(current, next, List.of(Released.of(current, now, grace)));
    }

    /**
     * The verified bytes of the pending replacement {@code checkedReplacementKey}, stored on {@code
     * provider} at {@code writtenKey} (the ticket's key, or the version a streamed upload wrote), become
     * the variant's version. The version it leaves is released, and so is the ticket's key when the
     * bytes were written elsewhere. Unchanged when the same upload completed first; a conflict when
     * the variant got another ticket meanwhile.
     */
    public Transition completeReplacement(Variant current, String checkedReplacementKey, String provider, String writtenKey,
                                          String verifiedSha256, Instant now) {
        if (current == null) {
            throw noSuchVariant();
        }
        if (!current.hasReplacement() && current.status == Status.AVAILABLE && current.storageKey.equals(writtenKey)) {
            return Transition.unchanged(current);
        }
        if (current.status != Status.AVAILABLE || !checkedReplacementKey.equals(current.replacementKey)) {
            throw DomainFailure.conflict("The variant got a new upload ticket while this replacement was being checked;"
                    + " upload with the new ticket and complete again");
        }
        List<Released> released = new ArrayList<>();
        released.add(Released.of(current, now, grace));
        if (!writtenKey.equals(current.replacementKey)) {
            released.add(Released.of(current.replacement(), now, grace));
        }
        Variant next = current.copy();
        next.swapInReplacement(provider, writtenKey, verifiedSha256, now);
        return Transition.to(current, next, released);
    }

    /** A pending variant whose ticket stopped writing at or before {@code cutoff} expires; its version is released. */
    public Transition expireUpload(Variant current, Instant cutoff, Instant now) {
        if (current.status != Status.PENDING || current.uploadExpiresAt.isAfter(cutoff)) {
            return Transition.unchanged(current);
        }
        Variant next = current.copy();
        next.status = Status.EXPIRED;
        return Transition.to(current, next, List.of(Released.of(current, now, grace)));
    }

    /**
     * A pending replacement whose ticket stopped writing at or before {@code cutoff} is dropped; the
     * version the variant names stays. Whatever the variant's status: one found missing, or ticketed again
     * since, keeps its replacement, whose key must still be released when its ticket runs out.
     */
    public Transition expireReplacement(Variant current, Instant cutoff, Instant now) {
        if (!current.hasReplacement() || current.replacementExpiresAt.isAfter(cutoff)) {
            return Transition.unchanged(current);
        }
        Variant next = current.copy();
        next.clearReplacement();
        return Transition.to(current, next, List.of(Released.of(current.replacement(), now, grace)));
    }

    /** The variant goes (its artifact is deleted): every version it names is released. */
    public Transition delete(Variant current, Instant now) {
        List<Released> released = new ArrayList<>();
        released.add(Released.of(current, now, grace));
        if (current.hasReplacement()) {
            released.add(Released.of(current.replacement(), now, grace));
        }
        return Transition.to(current, null, released);
    }

    /** An available variant whose bytes reconciliation found missing turns MISSING; any other stays as it is. */
    public Transition markMissing(Variant current) {
        if (current.status != Status.AVAILABLE) {
            return Transition.unchanged(current);
        }
        Variant next = current.copy();
        next.status = Status.MISSING;
        return Transition.to(current, next, List.of());
    }

    private static DomainFailure noSuchVariant() {
        return DomainFailure.notFound("No such artifact variant");
    }
}
