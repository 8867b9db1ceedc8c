import type { Executor } from "../../db/database";
import { JOB_LOAD_TABLE } from "../../db/entities/job-load.entity";
import { JOB_TYPE_TABLE } from "../../db/entities/job-type.entity";
import { SCALE_JOB_TABLE } from "../../db/entities/scale-job.entity";
import { RowCodec } from "../../db/row-codec";
import { decodeInstant, encodeInstant } from "../../db/values";
import type { ServiceContext } from "../service-context";
import { jobLoadRange } from "./job-load-range";
import { JOB_LOAD_CATALOGUE, type JobLoadGroup, type JobLoadRow } from "./queue.model";
import { assertStorable, returningList } from "./sql";

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
    return this.ctx.requireDb().transaction((tx) => this.snapshot(tx, new Date()));
  }

  /**
   * The periodic tick: takes a snapshot unless one was taken within the last half interval — so several gateways
   * with the timer on still write one snapshot per interval (on Postgres they queue on an advisory lock first).
   */
  async calculateIfDue(intervalSeconds: number): Promise<JobLoadRow[] | null> {
    return this.ctx.requireDb().transaction(async (tx) => {
      if (tx.dialect === "postgres") await tx.query(`SELECT pg_advisory_xact_lock(:key)`, { key: SNAPSHOT_LOCK_KEY });
      const now = new Date();
      const latest = await tx.query<{ measured: unknown }>(
        `SELECT MAX("measured") AS "measured" FROM "${JOB_LOAD_TABLE}"`,
      );
      const last = decodeInstant(latest[0]?.measured);
      if (last && now.getTime() - last.getTime() < (intervalSeconds * 1000) / 2) return null;
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
    const conditions = [`l."measured" >= :started`];
    const params: Record<string, unknown> = { started: encodeInstant(range.started, db.dialect) };
    if (range.ended) {
      conditions.push(`l."measured" <= :ended`);
      params["ended"] = encodeInstant(range.ended, db.dialect);
    }
    if (args.jobTypeIds && args.jobTypeIds.length > 0) {
      conditions.push(`l."job_type_id" IN (:...typeIds)`);
      params["typeIds"] = [...new Set(args.jobTypeIds)];
    }
    if (args.jobTypeNames && args.jobTypeNames.length > 0) {
      conditions.push(`jt."name" IN (:...typeNames)`);
      params["typeNames"] = [...new Set(args.jobTypeNames)];
    }
    const rows = await db.query<Record<string, unknown>>(
      `SELECT l."measured" AS "time", SUM(l."pending_count") AS "pendingCount", SUM(l."queued_count") AS "queuedCount",
              SUM(l."running_count") AS "runningCount"
       FROM "${JOB_LOAD_TABLE}" l LEFT JOIN "${JOB_TYPE_TABLE}" jt ON jt."id" = l."job_type_id"
       WHERE ${conditions.join(" AND ")}
       GROUP BY l."measured" ORDER BY l."measured" ASC`,
      params,
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

  private async snapshot(tx: Executor, measured: Date): Promise<JobLoadRow[]> {
    const params = { measured: encodeInstant(measured, tx.dialect) };
    // Postgres types a bare parameter in a SELECT list as text; say it is an instant.
    const measuredValue = tx.dialect === "postgres" ? "CAST(:measured AS timestamptz)" : ":measured";
    const count = (status: string) => `SUM(CASE WHEN j."status" = '${status}' THEN 1 ELSE 0 END)`;
    const rows = await tx.query(
      `INSERT INTO "${JOB_LOAD_TABLE}" ("job_type_id", "measured", "pending_count", "queued_count", "running_count", "total_count")
       SELECT j."job_type_id", ${measuredValue}, ${count("PENDING")}, ${count("QUEUED")}, ${count("RUNNING")}, COUNT(*)
       FROM "${SCALE_JOB_TABLE}" j WHERE j."status" IN ('PENDING', 'QUEUED', 'RUNNING') GROUP BY j."job_type_id"
       RETURNING ${returningList(this.codec)}`,
      params,
    );
    if (rows.length === 0) {
      rows.push(
        ...(await tx.query(
          `INSERT INTO "${JOB_LOAD_TABLE}" ("job_type_id", "measured", "pending_count", "queued_count", "running_count", "total_count")
           VALUES (NULL, :measured, 0, 0, 0, 0) RETURNING ${returningList(this.codec)}`,
          params,
        )),
      );
    }
    return rows
      .map((row) => this.codec.decode<JobLoadRow>(row))
      .sort((a, b) => (a.jobTypeId ?? 0) - (b.jobTypeId ?? 0));
  }
}

/**
 * `HUBQL_JOB_LOAD_INTERVAL_SECONDS`: seconds between periodic job-load snapshots, or null (the default) for none.
 */
export function jobLoadIntervalFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env["HUBQL_JOB_LOAD_INTERVAL_SECONDS"];
  if (raw === undefined || raw === "" || raw === "0") return null;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(`HUBQL_JOB_LOAD_INTERVAL_SECONDS must be a whole number of seconds ≥ 1, got '${raw}'`);
  }
  return seconds;
}
