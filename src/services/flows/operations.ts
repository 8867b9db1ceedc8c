import type { Executor } from "../../db/database";
import { badInput, invalidState } from "../../errors";
import { checkMatched, resolveSelection } from "../shared/selection";
import { type Instant, instantNow } from "../../dialect";
import { inList, run, TABLES, TRUE, selectRows } from "../sql";
import type { BulkResult, JobRow, JobSelection, LockOptions } from "./jobflow.model";
import { checkExecConfig, checkWorker } from "./project";
import { jobCondition, namesAnything, prepareJobFilter } from "./query";
import {
  DELETABLE_STATES,
  isJobState,
  type JobState,
  PAUSABLE_STATES,
  RUN_PROPERTIES_STATES,
  RUNNING_STATES,
  STOPPABLE_STATES,
} from "./states";
import { CLEARED_RUN, type JobflowStore, resetDict } from "./store";

/** delete_jobs' default max_limit (§5). */
export const DELETE_JOBS_DEFAULT_MAX_LIMIT = 10;

/** What a single-job step sees: the transaction, the clock, the caller's lock options. */
interface Step {
  readonly tx: Executor;
  readonly now: Instant;
  readonly lock: LockOptions;
}

export interface RunProperties {
  readonly worker?: string | null;
  readonly execConfig?: unknown;
  readonly resources?: Record<string, unknown> | null;
  readonly priority?: number | null;
  /** Merge objects into the stored ones (true, the default) or replace them. */
  readonly update?: boolean | null;
}

/** Thrown inside the transaction to roll a dry run back after it computed its answer. */
class DryRun extends Error {
  constructor(readonly result: BulkResult) {
    super("dry run");
  }
}

/**
 * The user operations of jobflow-remote.md §6.2–6.12 on a selection of jobs. Each call is one transaction: the
 * single-job operation runs for every selected job in db-id order (each seeing the previous ones' changes), and any
 * failure — a state the operation does not accept, a lease held by someone else — rolls every job back (upstream
 * keeps the jobs done before the failure). `dryRun` runs the same work and rolls it back, so it reports exactly
 * what would change.
 */
export class JobOperations {
  constructor(private readonly store: JobflowStore) {}

  rerun(selection: JobSelection, force: boolean, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("rerun", selection, lock, 0, (step, job) => this.rerunOne(step, job, force));
  }

  retry(selection: JobSelection, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("retry", selection, lock, 0, (step, job) => this.retryOne(step, job));
  }

  /** §6.4 (upstream pause has no break_lock; hubql accepts it like every other operation). */
  pause(selection: JobSelection, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("pause", selection, lock, 0, (step, job) => this.transition(step, job, PAUSABLE_STATES, "PAUSED"));
  }

  play(selection: JobSelection, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("play", selection, lock, 0, async (step, job) => {
      this.accept(job, ["PAUSED"]);
      await this.lockFlow(step, job);
      const parents =
        job.parents.length === 0 ? [] : await this.store.loadJobs(step.tx, inList(`t."uuid"`, job.parents), false);
      // §6.5: every row (any index) of every parent must be COMPLETED, or FAILED when the job tolerates missing inputs.
      const blocked = parents.some(
        (p) => p.state !== "COMPLETED" && !(p.state === "FAILED" && job.onMissingReferences !== "error"),
      );
      await this.store.updateJob(step.tx, job.dbId, { state: blocked ? "WAITING" : "READY" });
      await this.store.recomputeFlows(step.tx, [job.flowUuid], step.now);
      return [job.dbId];
    });
  }

  /** §6.6; there is no queue to cancel a SUBMITTED/RUNNING job in, so stopping only records USER_STOPPED. */
  stop(selection: JobSelection, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("stop", selection, lock, 0, (step, job) =>
      this.transition(step, job, STOPPABLE_STATES, "USER_STOPPED"),
    );
  }

  /** A job in one of `from` goes to `to` under its flow's lease; the flow state follows (pause, stop). */
  private async transition(step: Step, job: JobRow, from: readonly JobState[], to: JobState): Promise<string[]> {
    this.accept(job, from);
    await this.lockFlow(step, job);
    await this.store.updateJob(step.tx, job.dbId, { state: to });
    await this.store.recomputeFlows(step.tx, [job.flowUuid], step.now);
    return [job.dbId];
  }

  /**
   * §6.12. The job's output and stored data live in its row and go with it. When the last index of a uuid goes,
   * the uuid is also removed from its children's parents (upstream leaves it dangling in the JobDocs).
   */
  delete(selection: JobSelection, lock: LockOptions): Promise<BulkResult> {
    return this.bulk("delete", selection, lock, DELETE_JOBS_DEFAULT_MAX_LIMIT, async (step, job) => {
      this.accept(job, DELETABLE_STATES);
      await this.lockFlow(step, job);
      const flowJobs = await this.store.loadJobs(step.tx, this.store.jobsWhere("flow_uuid", job.flowUuid));
      if (flowJobs.length <= 1)
        throw invalidState("It is not possible to delete the only Job of the Flow. Delete the entire Flow.", {
          dbId: job.dbId,
        });
      await run(step.tx, (q) => `DELETE FROM "${TABLES.jobs}" WHERE "db_id" = ${q.bind(job.dbId)}`);
      if (!flowJobs.some((other) => other.uuid === job.uuid && other.dbId !== job.dbId)) {
        // Both parent lists forget the uuid (upstream's delete_job does this to FlowDoc.parents, l.4224–4236).
        const without = (uuids: string[]) => uuids.filter((uuid) => uuid !== job.uuid);
        for (const other of flowJobs) {
          if (!other.parents.includes(job.uuid) && !other.flowParents.includes(job.uuid)) continue;
          await this.store.updateJob(step.tx, other.dbId, {
            parents: without(other.parents),
            flowParents: without(other.flowParents),
          });
          await run(
            step.tx,
            (q) =>
              `DELETE FROM "${TABLES.jobParents}" WHERE "child_db_id" = ${q.bind(other.dbId)} AND "parent_uuid" = ${q.bind(job.uuid)}`,
          );
        }
      }
      await this.store.recomputeFlows(step.tx, [job.flowUuid], step.now);
      await this.store.touchFlow(step.tx, job.flowUuid, step.now);
      return [job.dbId];
    });
  }

  /** §6.10: any state to any state, remote bookkeeping cleared; the flow state is not recomputed (as upstream). */
  setState(selection: JobSelection, state: JobState, lock: LockOptions): Promise<BulkResult> {
    if (!isJobState(state)) throw badInput(`unknown job state ${String(state)}`, "state");
    return this.bulk("set state", selection, lock, 0, async (step, job) => {
      await this.store.updateJob(step.tx, job.dbId, { ...CLEARED_RUN, state });
      return [job.dbId];
    });
  }

  /** §6.11: worker, exec config, resources, priority; validated against the project before anything runs. */
  setRunProperties(selection: JobSelection, properties: RunProperties, lock: LockOptions): Promise<BulkResult> {
    if (properties.worker !== null && properties.worker !== undefined)
      checkWorker(this.store.project, properties.worker);
    if (properties.execConfig !== null && properties.execConfig !== undefined)
      checkExecConfig(this.store.project, properties.execConfig);
    const update = properties.update ?? true;
    return this.bulk("set run properties", selection, lock, 0, async (step, job) => {
      this.accept(job, RUN_PROPERTIES_STATES);
      const values: Partial<JobRow> = {};
      if (properties.worker !== null && properties.worker !== undefined) values.worker = properties.worker;
      if (properties.execConfig !== null && properties.execConfig !== undefined) {
        values.execConfig =
          update && isObject(properties.execConfig) && isObject(job.execConfig)
            ? { ...job.execConfig, ...properties.execConfig }
            : properties.execConfig;
      }
      if (properties.resources !== null && properties.resources !== undefined) {
        // A serialized QResources (it carries "@class") always replaces; a plain dict merges when updating.
        const replace = !update || "@class" in properties.resources;
        values.resources = replace ? properties.resources : { ...(job.resources ?? {}), ...properties.resources };
      }
      if (properties.priority !== null && properties.priority !== undefined) values.priority = properties.priority;
      await this.store.updateJob(step.tx, job.dbId, values);
      return [job.dbId];
    });
  }

  /** stop_children (§6.7): WAITING direct children of the uuid → STOPPED; no leases, flow state not recomputed (as upstream). */
  stopChildren(jobUuid: string): Promise<number> {
    return this.store.write((tx) => this.store.stopChildren(tx, jobUuid));
  }

  /** stop_jobflow (§6.7): every WAITING job of the flow → STOPPED (READY ones untouched); 0 for an unknown flow. */
  stopJobflow(target: { jobUuid?: string | null; flowUuid?: string | null }): Promise<number> {
    const hasJob = Boolean(target.jobUuid);
    if (hasJob === Boolean(target.flowUuid)) {
      throw badInput(
        hasJob ? "Only one of jobUuid and flowUuid should be set." : "Either jobUuid or flowUuid must be set.",
        "flowUuid",
      );
    }
    return this.store.write((tx) =>
      this.store.stopWaiting(tx, (q) =>
        hasJob
          ? `"flow_uuid" = (SELECT MAX(j."flow_uuid") FROM "${TABLES.jobs}" j WHERE j."uuid" = ${q.bind(target.jobUuid)})`
          : `"flow_uuid" = ${q.bind(target.flowUuid)}`,
      ),
    );
  }

  /** §6.2. */
  private async rerunOne(step: Step, job: JobRow, force: boolean): Promise<string[]> {
    if (job.state === "READY")
      throw invalidState("The Job is in the READY state. No need to rerun.", { dbId: job.dbId });
    if (RUNNING_STATES.includes(job.state as JobState)) {
      // A running job goes back to CHECKED_OUT; its flow and children are untouched (§6.2).
      await this.store.updateJob(step.tx, job.dbId, { ...resetDict(step.now), state: "CHECKED_OUT" });
      return [job.dbId];
    }
    if (job.state !== "FAILED" && job.state !== "REMOTE_ERROR" && !force) {
      throw invalidState(`Job in state ${job.state} cannot be rerun. Use the 'force' option to override this check.`, {
        dbId: job.dbId,
        state: job.state,
      });
    }
    await this.lockFlow(step, job);
    const flowJobs = await this.store.loadJobs(step.tx, this.store.jobsWhere("flow_uuid", job.flowUuid));
    const highest = new Map<string, number>();
    for (const row of flowJobs) highest.set(row.uuid, Math.max(highest.get(row.uuid) ?? 0, row.index));
    if ((highest.get(job.uuid) ?? 0) > job.index) {
      throw invalidState(
        `Job ${job.uuid} index ${job.index} is not the highest index (${highest.get(job.uuid)}); rerun the last one`,
        { dbId: job.dbId },
      );
    }
    const affected = affectedChildren(flowJobs, job.uuid, force);
    for (const child of affected) {
      if ((highest.get(child.uuid) ?? 0) > child.index) {
        throw invalidState(
          `Job ${job.dbId} has a child job (${child.uuid}, ${child.index}) which is not the last index of the replaced job.`,
          { dbId: job.dbId },
        );
      }
    }
    for (const child of affected) {
      this.store.checkLease(
        child,
        step.now,
        step.lock,
        `Job with db_id ${child.dbId} (The parent Job with uuid ${job.uuid} cannot be rerun)`,
      );
      if (!force && !["READY", "WAITING", "PAUSED"].includes(child.state)) {
        throw invalidState(
          `The child of Job ${job.dbId} (db_id ${child.dbId}) has state ${child.state} which is not acceptable. Use the 'force' option to override this check.`,
          {
            dbId: child.dbId,
            state: child.state,
          },
        );
      }
    }
    await this.store.clearBrokenLeases(
      step.tx,
      "jobs",
      affected.map((child) => child.dbId),
      step.now,
      step.lock,
    );
    const changed: string[] = [];
    for (const child of affected) {
      if (child.state !== "WAITING") changed.push(child.dbId);
      await this.store.updateJob(step.tx, child.dbId, { ...resetDict(step.now), state: "WAITING" });
    }
    await this.store.updateJob(step.tx, job.dbId, { ...resetDict(step.now), state: "READY" });
    await this.store.recomputeFlows(step.tx, [job.flowUuid], step.now);
    return [...changed, job.dbId];
  }

  /** §6.3. */
  private async retryOne(step: Step, job: JobRow): Promise<string[]> {
    if (job.state === "REMOTE_ERROR") {
      if (!isJobState(job.previousState)) {
        throw invalidState(`The registered previous state: ${job.previousState ?? "None"} is not a valid state`, {
          dbId: job.dbId,
        });
      }
      await this.store.updateJob(step.tx, job.dbId, { ...resetDict(step.now), state: job.previousState });
      return [job.dbId];
    }
    if (RUNNING_STATES.includes(job.state as JobState)) {
      await this.store.updateJob(step.tx, job.dbId, { stepAttempts: 0, retryTimeLimit: null, remoteError: null });
      return [job.dbId];
    }
    throw invalidState(`Job in state ${job.state} cannot be retried.`, { dbId: job.dbId, state: job.state });
  }

  private accept(job: JobRow, states: readonly JobState[]): void {
    if (!states.includes(job.state as JobState)) {
      throw invalidState(`Job ${job.dbId} in state ${job.state}. The action cannot be performed`, {
        dbId: job.dbId,
        state: job.state,
      });
    }
  }

  /** Locks the job's flow row and checks its lease (job first, then flow, as upstream's lock order, §4). */
  private async lockFlow(step: Step, job: JobRow): Promise<void> {
    for (const flow of await this.store.loadFlows(step.tx, [job.flowUuid])) {
      this.store.checkLease(flow, step.now, step.lock, `Flow with uuid ${flow.uuid}`);
    }
    await this.store.clearBrokenLeases(step.tx, "flows", [job.flowUuid], step.now, step.lock);
  }

  private async bulk(
    action: string,
    args: JobSelection,
    lock: LockOptions,
    defaultMaxLimit: number,
    one: (step: Step, job: JobRow) => Promise<string[]>,
  ): Promise<BulkResult> {
    const ctx = this.store.ctx;
    const filter = prepareJobFilter(ctx, args.filter);
    const selection = resolveSelection<never>(args, {
      filterArguments: "filter or query",
      verb: `perform ${action} on`,
      noun: "Jobs",
      maxIds: ctx.limits.maxBatchSize,
      ...(defaultMaxLimit > 0 ? { defaultMaxLimit } : {}),
      filter: {
        given: filter !== null || namesAnything(args.query),
        condition: jobCondition(ctx, filter, args.query, instantNow()),
      },
    });
    try {
      return await this.store.write(async (tx, now) => {
        const where = selection.target.kind === "all" ? TRUE : jobCondition(ctx, filter, args.query, now);
        const matched = await selectRows<{ dbId: string }>(tx, {
          table: TABLES.jobs,
          codec: this.store.jobs,
          fields: ["dbId"],
          where,
          orderBy: `t."db_seq"`,
        });
        checkMatched(selection, matched.length, ctx.limits.maxBatchSize);
        const changed = new Set<string>();
        for (const { dbId } of matched) {
          const [job] = await this.store.loadJobs(tx, this.store.jobsWhere("db_id", dbId));
          if (!job) continue; // deleted by an earlier job of the same call
          this.store.checkLease(job, now, lock, `Job with db_id ${job.dbId}`);
          await this.store.clearBrokenLeases(tx, "jobs", [job.dbId], now, lock);
          for (const id of await one({ tx, now, lock }, job)) changed.add(id);
        }
        const result: BulkResult = { dbIds: sortDbIds(changed), matched: matched.length, dryRun: selection.dryRun };
        if (selection.dryRun) throw new DryRun(result);
        return result;
      }, lock.wait);
    } catch (error) {
      if (error instanceof DryRun) return error.result;
      throw error;
    }
  }
}

/**
 * First-level children (no force) or every descendant (force), as job rows (every index), §6.2. Walks the
 * flow-level parents, as upstream walks `FlowDoc.children`: a detour's leaves are not parents there.
 */
function affectedChildren(flowJobs: readonly JobRow[], uuid: string, force: boolean): JobRow[] {
  const found = new Map<string, JobRow>();
  let frontier = new Set([uuid]);
  while (frontier.size > 0) {
    const next = new Set<string>();
    for (const row of flowJobs) {
      if (found.has(row.dbId) || row.uuid === uuid || !row.flowParents.some((parent) => frontier.has(parent))) continue;
      found.set(row.dbId, row);
      next.add(row.uuid);
    }
    frontier = force ? next : new Set();
  }
  return [...found.values()].sort((a, b) => a.dbSeq - b.dbSeq);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Numeric order of db ids (they are strings with an optional prefix, §3.4). */
export function sortDbIds(ids: Iterable<string>): string[] {
  const number = (id: string) => Number(/\d+$/.exec(id)?.[0] ?? Number.NaN);
  return [...ids].sort((a, b) => number(a) - number(b) || a.localeCompare(b));
}
