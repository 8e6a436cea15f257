package io.artifactstore.reconcile;

import io.artifactstore.audit.AuditAction;
import io.artifactstore.audit.AuditEvent;
import io.artifactstore.audit.AuditTrail;
import io.artifactstore.security.Caller;
import io.artifactstore.core.StorageKey;
import io.artifactstore.provider.ObjectListing;
import io.artifactstore.provider.ObjectListing.ListedObject;
import io.artifactstore.provider.StorageProvider;
import io.artifactstore.records.Status;
import io.artifactstore.records.StoredKeys.RecordedKey;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One walk of a provider's objects and its variant records side by side, both in key order, a page
 * of each at a time: a merge join that never holds more than one page per side. An object no record
 * points to (and that no tombstone or multipart upload accounts for) is an orphan; an AVAILABLE
 * record whose object is not there, checked once more with a stat, is missing. With {@code apply},
 * orphans older than the grace period are deleted and missing records are marked MISSING. Progress
 * is saved after every page; a job no longer RUNNING in the table (reported stale) stops here.
 */
final class ReconcileRun {

    /** Store calls at once for the deletes and stats of one page. */
    private static final int CONCURRENCY = 4;

    private final ReconcileJob job;
    private final StorageProvider provider;
    private final ObjectListing listing;
    private final ReconcileStatements statements;
    private final AuditTrail audit;
    private final Clock clock;
    private final Duration orphanGrace;
    private final int pageSize;
    private final String upperBound;

    private final ArrayDeque<ListedObject> objects = new ArrayDeque<>();
    private final ArrayDeque<RecordedKey> records = new ArrayDeque<>();
    private String objectsAfter = "";
    private String recordsAfter = "";
    private boolean objectsDone;
    private boolean recordsDone;
    private long scannedObjects;
    private long scannedRecords;
    private long orphanObjects;
    private long missingObjects;
    private long deletedObjects;
    private long markedMissing;

    ReconcileRun(ReconcileJob job, StorageProvider provider, ObjectListing listing, ReconcileStatements statements,
                 AuditTrail audit, Clock clock, Duration orphanGrace, int pageSize) {
        this.job = job;
        this.provider = provider;
        this.listing = listing;
        this.statements = statements;
        this.audit = audit;
        this.clock = clock;
        this.orphanGrace = orphanGrace;
        this.pageSize = pageSize;
        this.upperBound = upperBound(job.prefix());
    }

    /** Walks to the end; fails with {@link Abandoned} when the job was reported stale meanwhile. */
    Uni<ReconcileJob.Counters> run() {
        // A store that cannot answer must fail the job, never look empty (every record would seem missing).
        return provider.probe().onItem().transformToMulti(ready -> Multi.createBy().repeating().uni(this::step).until(finished -> finished))
                .collect().last()
                .map(ignored -> counters());
    }

    /** Fills whichever side ran out, matches as far as both sides allow, settles what was found, saves progress. */
    private Uni<Boolean> step() {
        return fillObjects().chain(this::fillRecords).chain(() -> {
            List<ListedObject> unmatched = new ArrayList<>();
            List<RecordedKey> unbacked = new ArrayList<>();
            match(unmatched, unbacked);
            return orphans(unmatched).chain(() -> missing(unbacked));
        }).chain(() -> statements.progress(job.id(), counters(), clock.instant())).map(running -> {
            if (!running) {
                throw new Abandoned();
            }
            return objects.isEmpty() && objectsDone && records.isEmpty() && recordsDone;
        });
    }

    private Uni<Void> fillObjects() {
        if (!objects.isEmpty() || objectsDone) {
            return Uni.createFrom().voidItem();
        }
        return listing.list(job.prefix(), objectsAfter, pageSize).invoke(page -> {
            objectsDone = page.isEmpty();
            if (!page.isEmpty()) {
                objects.addAll(page);
                objectsAfter = page.get(page.size() - 1).key();
                scannedObjects += page.size();
            }
        }).replaceWithVoid();
    }

    private Uni<Void> fillRecords() {
        if (!records.isEmpty() || recordsDone) {
            return Uni.createFrom().voidItem();
        }
        return statements.variants(job.provider(), recordsAfter, job.prefix(), upperBound, pageSize).invoke(page -> {
            recordsDone = page.size() < pageSize;
            if (!page.isEmpty()) {
                records.addAll(page);
                recordsAfter = page.get(page.size() - 1).key();
                scannedRecords += page.size();
            }
        }).replaceWithVoid();
    }

    /** The merge: advances the side with the smaller key while neither side waits for its next page. */
    private void match(List<ListedObject> unmatched, List<RecordedKey> unbacked) {
        while ((!objects.isEmpty() || objectsDone) && (!records.isEmpty() || recordsDone)
                && !(objects.isEmpty() && records.isEmpty())) {
            ListedObject object = objects.peekFirst();
            RecordedKey record = records.peekFirst();
            int order = object == null ? 1 : record == null ? -1 : object.key().compareTo(record.key());
            if (order < 0) {
                unmatched.add(objects.pollFirst());
            } else if (order > 0) {
                if (records.pollFirst().status() == Status.AVAILABLE) {
                    unbacked.add(record);
                }
            } else {
                objects.pollFirst();
                records.pollFirst();
            }
        }
    }

    /** Objects without a record, less those a tombstone or a multipart upload accounts for; old ones deleted on apply. */
    private Uni<Void> orphans(List<ListedObject> unmatched) {
        if (unmatched.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return statements.accounted(job.provider(), unmatched.stream().map(ListedObject::key).toList()).chain(accounted -> {
            List<ListedObject> orphans = unmatched.stream().filter(o -> !accounted.contains(o.key())).toList();
            orphanObjects += orphans.size();
            if (!job.apply()) {
                return Uni.createFrom().voidItem();
            }
            Instant cutoff = clock.instant().minus(orphanGrace);
            return Multi.createFrom().iterable(orphans)
                    .filter(orphan -> orphan.lastModified().isBefore(cutoff))
                    .onItem().transformToUni(this::delete).merge(CONCURRENCY)
                    .collect().asList()
                    .invoke(deleted -> deletedObjects += deleted.stream().filter(d -> d).count())
                    .replaceWithVoid();
        });
    }

    /**
     * An object under a name that is no storage key is reported, not deleted: it is not ours to name.
     * A deleted one is recorded right after its delete (a store's change has no transaction to share).
     */
    private Uni<Boolean> delete(ListedObject orphan) {
        Optional<StorageKey> key = parse(orphan.key());
        return key.isEmpty() ? Uni.createFrom().item(false)
                : provider.delete(key.get()).chain(() -> audit.recordAlone(deletedOrphan(key.get()))).replaceWith(true);
    }

    /** The audit event of a deleted orphan, in the tenant its key names (the orphan's record, if it had one, is gone). */
    private AuditEvent deletedOrphan(StorageKey key) {
        return AuditEvent.succeeded(Caller.system(key.tenantId(), Reconciler.SUBJECT), AuditAction.RECONCILE_DELETE_ORPHAN,
                key.artifactId(), key.variant(), clock.instant()).withDetail("job " + job.id() + " of tenant " + job.tenant()
                + ": deleted " + key + " from provider " + job.provider() + ", which no record names");
    }

    /** AVAILABLE records not listed, confirmed absent by a stat (the object may have landed after its page); marked on apply. */
    private Uni<Void> missing(List<RecordedKey> unbacked) {
        if (unbacked.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(unbacked)
                .onItem().transformToUni(record -> absent(record.key()).map(gone -> gone ? Optional.of(record.key()) : Optional.<String>empty()))
                .merge(CONCURRENCY)
                .filter(Optional::isPresent).map(Optional::get)
                .collect().asList()
                .chain(keys -> {
                    missingObjects += keys.size();
                    return job.apply() ? statements.markMissing(job.provider(), keys, job, clock.instant()).invoke(n -> markedMissing += n)
                            : Uni.createFrom().item(0);
                })
                .replaceWithVoid();
    }

    private Uni<Boolean> absent(String key) {
        Optional<StorageKey> parsed = parse(key);
        return parsed.isEmpty() ? Uni.createFrom().item(true) : provider.stat(parsed.get()).map(Optional::isEmpty);
    }

    private ReconcileJob.Counters counters() {
        return new ReconcileJob.Counters(scannedObjects, scannedRecords, orphanObjects, missingObjects, deletedObjects, markedMissing);
    }

    private static Optional<StorageKey> parse(String key) {
        try {
            return Optional.of(StorageKey.parse(key));
        } catch (RuntimeException notAKey) {
            return Optional.empty();
        }
    }

    /** The first string after every key that starts with the prefix (prefixes are ASCII, checked by the resource). */
    static String upperBound(String prefix) {
        if (prefix.isEmpty()) {
            return "\u007f"; // after every key: keys are printable ASCII
        }
        char last = prefix.charAt(prefix.length() - 1);
        return prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
    }

    /** The job was reported FAILED (stale) while this replica still ran it: it stops without touching the row. */
    static final class Abandoned extends RuntimeException {
        Abandoned() {
            super("The job is no longer RUNNING", null, false, false);
        }
    }
}
