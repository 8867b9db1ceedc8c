import type { Executor } from "../../db/database";
import { RowCodec } from "../../db/row-codec";
import { decodeInstant, encodeInstant, type Instant, instantMillis, instantNow } from "../../dialect";
import type { ServiceContext } from "../shared/service-context";
import { and, type Condition, inList, query, returningList, sqlCondition, TABLES } from "../sql";
import { jobLoadRange } from "./job-load-range";
import { JOB_LOAD_CATALOGUE, type JobLoadGroup, type JobLoadRow } from "./queue.model";
import { assertStorable } from "./storable";

export interface JobLoadArgs {
  readonly started?: string | null;
  readonly ended?: string | null;
  readonly jobTypeIds?: readonly number[] | null;
  readonly jobTypeNames?: readonly string[] | null;
}

/** Serialises periodic snapshots across gateways sharing one Postgres (an arbitrary, fixed advisory-lock key). */
const SNAPSHOT_LOCK_KEY = 7_365_300_200;

/**
 * Job-load snapshots (scale-queue.md §1.2) and their history (§4.1). A snapshot is one transaction: one row per job
 * type with PENDING/QUEUED/RUNNING jobs, all with one `measured`, or a single placeholder row when there are none.
 */
export class JobLoadService {
  private readonly codec: RowCodec;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(JOB_LOAD_CATALOGUE, ctx.dialect);
  }

  /** `JobLoad.objects.calculate()`: takes a snapshot now and returns its rows. */
  async calculate(): Promise<JobLoadRow[]> {
    return this.ctx.requireDb().transaction((tx) => this.snapshot(tx, instantNow()));
  }

  /**
   * The periodic tick: takes a snapshot unless one was taken within the last half interval — so several gateways
   * with the timer on still write one snapshot per interval (on Postgres they queue on an advisory lock first).
   */
  async calculateIfDue(intervalSeconds: number): Promise<JobLoadRow[] | null> {
    return this.ctx.requireDb().transaction(async (tx) => {
      if (tx.dialect === "postgres")
        await query(tx, (q) => `SELECT pg_advisory_xact_lock(${q.bind(SNAPSHOT_LOCK_KEY)})`);
      const now = instantNow();
      const latest = await query<{ measured: unknown }>(
        tx,
        () => `SELECT MAX("measured") AS "measured" FROM "${TABLES.jobLoad}"`,
      );
      const last = decodeInstant(latest[0]?.measured);
      if (last && instantMillis(now) - instantMillis(last) < (intervalSeconds * 1000) / 2) return null;
      return this.snapshot(tx, now);
    });
  }

  /**
   * The load history (§4.1): snapshots with started ≤ measured ≤ ended, restricted to the given job type ids and
   * names (both when both are given), summed per `measured` and oldest first. Placeholder rows add zeros and only
   * when no job-type restriction is given.
   */
  async groups(args: JobLoadArgs): Promise<JobLoadGroup[]> {
    const range = jobLoadRange(args.started, args.ended);
    assertStorable(args.jobTypeNames, "jobTypeNames");
    const db = this.ctx.requireDb();
    const at = (instant: Instant) => encodeInstant(instant, db.dialect);
    const ended = range.ended;
    const restrict = (column: string, values: readonly unknown[] | null | undefined): Condition[] =>
      values && values.length > 0 ? [inList(column, values)] : [];
    const where = and(
      sqlCondition((q) => `l."measured" >= ${q.bind(at(range.started))}`),
      ...(ended ? [sqlCondition((q) => `l."measured" <= ${q.bind(at(ended))}`)] : []),
      ...restrict(`l."job_type_id"`, args.jobTypeIds),
      ...restrict(`jt."name"`, args.jobTypeNames),
    );
    const rows = await query<Record<string, unknown>>(
      db,
      (
        q,
      ) => `SELECT l."measured" AS "time", SUM(l."pending_count") AS "pendingCount", SUM(l."queued_count") AS "queuedCount",
              SUM(l."running_count") AS "runningCount"
       FROM "${TABLES.jobLoad}" l LEFT JOIN "${TABLES.jobTypes}" jt ON jt."id" = l."job_type_id"
       WHERE ${where.toSql(q)}
       GROUP BY l."measured" ORDER BY l."measured" ASC`,
    );
    return rows.map((row) => ({
      time: decodeInstant(row["time"])!,
      pendingCount: Number(row["pendingCount"]),
      queuedCount: Number(row["queuedCount"]),
      runningCount: Number(row["runningCount"]),
    }));
  }

  /**
   * Starts periodic snapshots every `intervalSeconds` (Scale's clock rule runs hourly). The timer does not keep the
   * process alive; a tick that fails is logged and the next one tries again.
   */
  start(intervalSeconds: number): void {
    if (this.timer) return;
    if (!(intervalSeconds > 0)) throw new Error(`job-load interval must be > 0 seconds, got ${intervalSeconds}`);
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.calculateIfDue(intervalSeconds)
        .catch((error: unknown) => this.ctx.logger.error("job-load snapshot failed", { error: String(error) }))
        .finally(() => (this.running = null));
    }, intervalSeconds * 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a snapshot in progress, so the store can be closed after it. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async snapshot(tx: Executor, measured: Instant): Promise<JobLoadRow[]> {
    const value = encodeInstant(measured, tx.dialect);
    // Postgres types a bare parameter in a SELECT list as text; say it is an instant.
    const typed = (name: string) => (tx.dialect === "postgres" ? `CAST(${name} AS timestamptz)` : name);
    const count = (status: string) => `SUM(CASE WHEN j."status" = '${status}' THEN 1 ELSE 0 END)`;
    const columns = `"job_type_id", "measured", "pending_count", "queued_count", "running_count", "total_count"`;
    const rows = await query(
      tx,
      (q) => `INSERT INTO "${TABLES.jobLoad}" (${columns})
       SELECT j."job_type_id", ${typed(q.bind(value))}, ${count("PENDING")}, ${count("QUEUED")}, ${count("RUNNING")}, COUNT(*)
       FROM "${TABLES.scaleJobs}" j WHERE j."status" IN ('PENDING', 'QUEUED', 'RUNNING') GROUP BY j."job_type_id"
       RETURNING ${returningList(this.codec)}`,
    );
    if (rows.length === 0) {
      rows.push(
        ...(await query(
          tx,
          (q) => `INSERT INTO "${TABLES.jobLoad}" (${columns})
           VALUES (NULL, ${q.bind(value)}, 0, 0, 0, 0) RETURNING ${returningList(this.codec)}`,
        )),
      );
    }
    return rows
      .map((row) => this.codec.decode<JobLoadRow>(row))
      .sort((a, b) => (a.jobTypeId ?? 0) - (b.jobTypeId ?? 0));
  }
}
