import { randomUUID } from "node:crypto";

import { listen, type Notifications } from "../../db/change-notifications";
import type { Database } from "../../db/database";
import { internalError, limitExceeded } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import type { Condition } from "../sql";
import { type ChangeEntity, type ChangeEvent, type LoggedChange, WATCHED } from "./change.model";
import {
  LOG_PAGE,
  lastId,
  prune,
  readAfter,
  readTransactions,
  releaseLease,
  renewLease,
  setDeleteImages,
} from "./change-log";
import { matchCurrentRows, matchImages } from "./change-matcher";
import { ChangeSubscription } from "./change-subscription";

/** The Postgres channel the capture triggers notify (migrations/postgres/change-capture.ts). */
const CHANNEL = "hubql_changes";
/** A gateway's lease keeps capture on this long past its last renewal; renewed every third of it. */
const LEASE_TTL_MS = 30_000;
/** Log rows older than this are pruned (every PRUNE_EVERY_MS) by whichever gateway reads the log. */
const LOG_RETENTION_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 60_000;
/** Committed transactions read per statement on Postgres. */
const TRANSACTIONS_PER_READ = 100;

/** Subscribers with equal filters on one entity share one compiled condition (and one SQL test per change). */
interface FilterGroup {
  readonly condition: Condition;
  readonly subscriptions: Set<ChangeSubscription>;
}

/**
 * The process's change feed: reads the change log the triggers write and hands each change to the subscriptions
 * whose filter the changed row satisfies, with the list's semantics (change-matcher.ts).
 *
 * - Started by the first subscription, stopped (lease released) once none is left at a lease renewal.
 * - Postgres: a LISTEN connection is told each committed transaction (on commit only, in commit order, from every
 *   gateway), and the feed reads that transaction's rows. SQLite: the feed reads rows after the last id it saw,
 *   every `pollIntervalMs` and right after this process runs a write.
 * - Bounded: LOG_PAGE rows per read; a bulk change (a delete of more rows than `deleteImages`) ends the
 *   subscriptions on that entity with LIMIT_EXCEEDED; each subscription holds at most `buffer` changes.
 */
export class ChangeFeed {
  private readonly groups = new Map<ChangeEntity, Map<string, FilterGroup>>();
  private subscriptionCount = 0;
  private starting: Promise<Running> | null = null;

  constructor(private readonly ctx: ServiceContext) {}

  /** Active subscriptions in this process. */
  get active(): number {
    return this.subscriptionCount;
  }

  /**
   * A subscription to `entity` changes matching `filter` (the list's filter language; BAD_USER_INPUT before
   * anything starts). Changes committed after this resolves are delivered.
   */
  async subscribe(entity: ChangeEntity, filter: unknown): Promise<ChangeSubscription> {
    const condition = this.ctx.where(filter, WATCHED[entity].catalogue);
    const db = this.ctx.requireDb();
    await this.start(db);
    const limits = this.ctx.config.subscriptions;
    const subscription = new ChangeSubscription(
      entity,
      limits.buffer,
      () =>
        limitExceeded(
          `More than ${limits.buffer} changes are waiting for this subscription (HUBQL_SUBSCRIPTION_BUFFER); re-read with the list query and subscribe again`,
          { limit: "subscriptionBuffer", maximum: limits.buffer },
        ),
      (ended) => this.remove(ended, key),
    );
    const key = JSON.stringify(filter ?? {});
    let byFilter = this.groups.get(entity);
    if (!byFilter) this.groups.set(entity, (byFilter = new Map()));
    let group = byFilter.get(key);
    if (!group) byFilter.set(key, (group = { condition, subscriptions: new Set() }));
    group.subscriptions.add(subscription);
    this.subscriptionCount += 1;
    return subscription;
  }

  /** Ends every subscription (they complete) and stops reading. */
  async close(): Promise<void> {
    for (const subscription of this.all()) subscription.end();
    const starting = this.starting;
    this.starting = null;
    if (starting) await (await starting.catch(() => null))?.stop(null);
  }

  private remove(subscription: ChangeSubscription, key: string): void {
    const byFilter = this.groups.get(subscription.entity);
    const group = byFilter?.get(key);
    if (!group?.subscriptions.delete(subscription)) return;
    this.subscriptionCount -= 1;
    if (group.subscriptions.size === 0) byFilter?.delete(key);
  }

  private *all(): Generator<ChangeSubscription> {
    for (const byFilter of this.groups.values()) {
      for (const group of byFilter.values()) yield* [...group.subscriptions];
    }
  }

  private start(db: Database): Promise<Running> {
    if (this.starting) return this.starting;
    const starting: Promise<Running> = Running.start(db, this.ctx, {
      deliver: (changes) => this.deliver(db, changes),
      idle: () => this.subscriptionCount === 0,
      stopping: (error) => {
        if (this.starting === starting) this.starting = null;
        if (error) this.fail(error);
      },
    });
    this.starting = starting;
    starting.catch(() => {
      if (this.starting === starting) this.starting = null;
    });
    return starting;
  }

  private fail(error: Error): void {
    const correlationId = randomUUID();
    this.ctx.logger.error("change feed interrupted; subscriptions ended", { correlationId, error: error.message });
    for (const subscription of this.all()) {
      subscription.fail(internalError(correlationId, "The change feed was interrupted; re-read and subscribe again"));
    }
  }

  /** Hands one page of the log, in order, to the subscriptions it concerns. */
  private async deliver(db: Database, changes: readonly LoggedChange[]): Promise<void> {
    const batch = {};
    const matched = new Map<LoggedChange, boolean[]>();
    const groupsOf = new Map<ChangeEntity, FilterGroup[]>();
    for (const [entity, byFilter] of this.groups) {
      const groups = [...byFilter.values()];
      const relevant = changes.filter((change) => change.entity === entity && change.bulk === null);
      if (groups.length === 0 || relevant.length === 0) continue;
      groupsOf.set(entity, groups);
      const conditions = groups.map((group) => group.condition);
      const current = relevant.filter((change) => change.kind !== "DELETED" && change.key !== null);
      const keys = [...new Set(current.map((change) => change.key as string))];
      const rows = await matchCurrentRows(db, WATCHED[entity], keys, conditions);
      for (const change of current) matched.set(change, rows.get(change.key as string) ?? []);
      const deleted = relevant.filter((change) => change.kind === "DELETED" && change.before !== null);
      const images = await matchImages(
        db,
        WATCHED[entity],
        deleted.map((change) => change.before),
        conditions,
      );
      deleted.forEach((change, index) => matched.set(change, images[index] ?? []));
    }
    for (const change of changes) {
      if (change.bulk !== null || (change.kind === "DELETED" && change.before === null)) {
        this.announceBulk(change);
        continue;
      }
      const flags = matched.get(change);
      const groups = groupsOf.get(change.entity);
      if (!flags || !groups || change.key === null) continue;
      const event: ChangeEvent = { entity: change.entity, kind: change.kind, key: change.key, batch };
      groups.forEach((group, index) => {
        if (flags[index]) for (const subscription of group.subscriptions) subscription.push(event);
      });
    }
  }

  /** A bulk delete has no before-images to filter: every subscription on that entity is told to re-read. */
  private announceBulk(change: LoggedChange): void {
    const byFilter = this.groups.get(change.entity);
    if (!byFilter) return;
    const count = change.bulk ?? 1;
    const error = limitExceeded(
      `A bulk change deleted ${count} ${change.entity} record(s) at once (more than HUBQL_SUBSCRIPTION_DELETE_IMAGES); re-read with the list query and subscribe again`,
      { limit: "bulkChange", entity: change.entity, count },
    );
    for (const group of [...byFilter.values()]) {
      for (const subscription of [...group.subscriptions]) subscription.fail(error);
    }
  }
}

interface RunningHooks {
  deliver(changes: readonly LoggedChange[]): Promise<void>;
  /** No subscription left: the next lease renewal stops the feed instead. */
  idle(): boolean;
  /** Called as it starts stopping (idle, closed, or the notification connection lost: `error`). */
  stopping(error: Error | null): void;
}

/**
 * The feed while it runs: the lease, the reader (notified or polling), pruning. One per started period, each with
 * its own lease, so a period that is still stopping cannot release the lease of the next.
 */
class Running {
  private readonly timers: NodeJS.Timeout[] = [];
  private notifications: Notifications | null = null;
  private stopNudges: (() => void) | null = null;
  private readonly pendingTransactions = new Set<string>();
  private cursor = 0;
  private pumping: Promise<void> | null = null;
  private again = false;
  private stopping = false;

  private readonly listener = randomUUID();

  private constructor(
    private readonly db: Database,
    private readonly ctx: ServiceContext,
    private readonly hooks: RunningHooks,
  ) {}

  static async start(db: Database, ctx: ServiceContext, hooks: RunningHooks): Promise<Running> {
    const running = new Running(db, ctx, hooks);
    try {
      await running.open();
    } catch (error) {
      await running.close();
      throw error;
    }
    return running;
  }

  private async open(): Promise<void> {
    const { db, ctx } = this;
    const limits = ctx.config.subscriptions;
    await setDeleteImages(db, limits.deleteImages);
    // Listen (Postgres) or note the last id (SQLite) before the lease turns capture on: nothing captured is missed.
    if (db.dialect === "postgres") {
      this.notifications = await listen(
        db,
        CHANNEL,
        (tx) => {
          this.pendingTransactions.add(tx);
          this.pump();
        },
        (error) => void this.stop(error),
      );
    } else {
      this.cursor = await lastId(db);
      this.timers.push(setInterval(() => this.pump(), limits.pollIntervalMs));
      // A write by this process: read right after it (the read waits for its transaction to end).
      this.stopNudges = db.onStatement((sql) => {
        if (/^\s*(INSERT|UPDATE|DELETE)\b/i.test(sql) && !sql.includes(`"change_`)) {
          setImmediate(() => this.pump());
        }
      });
    }
    await renewLease(db, this.listener, LEASE_TTL_MS);
    this.timers.push(setInterval(() => void this.renew(), LEASE_TTL_MS / 3));
    this.timers.push(setInterval(() => void this.prune(), PRUNE_EVERY_MS));
    for (const timer of this.timers) timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.stopping) return;
    try {
      if (this.hooks.idle()) await this.stop(null);
      else await renewLease(this.db, this.listener, LEASE_TTL_MS);
    } catch (error) {
      this.ctx.logger.warn("change feed lease renewal failed", { error: String(error) });
    }
  }

  private async prune(): Promise<void> {
    try {
      const pruned = await prune(this.db, LOG_RETENTION_MS);
      if (pruned > 0) this.ctx.logger.debug("change log pruned", { rows: pruned });
    } catch (error) {
      this.ctx.logger.warn("change log pruning failed", { error: String(error) });
    }
  }

  /** Reads until the log is drained; one reader at a time, a request meanwhile runs it again. */
  private pump(): void {
    if (this.stopping) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        try {
          await (this.db.dialect === "postgres" ? this.readNotified() : this.readNewer());
        } catch (error) {
          if (this.stopping) return;
          this.ctx.logger.warn("change log read failed; retrying", { error: String(error) });
        }
      } while (this.again && !this.stopping);
    })().finally(() => (this.pumping = null));
  }

  private async readNewer(): Promise<void> {
    for (;;) {
      const changes = await readAfter(this.db, this.cursor);
      if (changes.length === 0) return;
      this.cursor = changes[changes.length - 1]?.id ?? this.cursor;
      await this.hooks.deliver(changes);
      // SQLite's before-image budget is per read: refill it once deletions used some.
      if (changes.some((change) => change.kind === "DELETED")) {
        await setDeleteImages(this.db, this.ctx.config.subscriptions.deleteImages);
      }
      if (changes.length < LOG_PAGE) return;
    }
  }

  private async readNotified(): Promise<void> {
    while (this.pendingTransactions.size > 0 && !this.stopping) {
      const txs = [...this.pendingTransactions].slice(0, TRANSACTIONS_PER_READ);
      for (const tx of txs) this.pendingTransactions.delete(tx);
      let after = 0;
      for (;;) {
        const changes = await readTransactions(this.db, txs, after);
        if (changes.length === 0) break;
        after = changes[changes.length - 1]?.id ?? after;
        await this.hooks.deliver(changes);
        if (changes.length < LOG_PAGE) break;
      }
    }
  }

  async stop(error: Error | null): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.hooks.stopping(error);
    await this.close();
  }

  private async close(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    this.stopNudges?.();
    await this.pumping?.catch(() => undefined);
    await this.notifications?.close();
    await releaseLease(this.db, this.listener).catch(() => undefined);
  }
}
