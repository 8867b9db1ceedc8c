import { type Connection, countRows, queryPage } from "../pagination";
import { rowsByKey } from "../rows-by-key";
import {
  FLOW_CORE_FIELDS,
  FLOW_FIELDS,
  type FlowNode,
  type FlowQuery,
  type FlowRow,
  type FlowSortField,
  JOB_CORE_FIELDS,
  JOB_FIELDS,
  type JobNode,
  type JobQuery,
  type JobRow,
  type JobSortField,
  type Order,
} from "./model";
import { flowCondition, flowSortKeys, jobCondition, jobSortKeys } from "./query";
import { FLOW_STATES, JOB_STATES } from "./states";
import type { JobflowStore } from "./store";

export interface ListArgs<F extends string, Q, R> {
  readonly filter?: unknown;
  readonly query?: Q | null;
  readonly orderBy?: readonly Order<F>[] | null;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read besides the core ones; all when omitted. */
  readonly fields?: readonly (keyof R)[];
}

/** Every read of flows and jobs: lists, counts, and the batched lookups behind loaders and relation fields. */
export class JobflowReads {
  constructor(private readonly store: JobflowStore) {}

  async listJobs(args: ListArgs<JobSortField, JobQuery, JobRow>): Promise<Connection<JobNode>> {
    return queryPage<JobNode>(this.store.db, {
      table: "jobs",
      codec: this.store.jobs,
      fields: jobFields(args.fields),
      where: jobCondition(this.store.ctx, args.filter, args.query, new Date()),
      keys: jobSortKeys(this.store.jobs, args.orderBy),
      first: args.first,
      after: args.after,
      limits: this.store.ctx.limits,
    });
  }

  async listFlows(args: ListArgs<FlowSortField, FlowQuery, FlowRow>): Promise<Connection<FlowNode>> {
    return queryPage<FlowNode>(this.store.db, {
      table: "flows",
      codec: this.store.flows,
      fields: flowFields(args.fields),
      where: flowCondition(this.store.ctx, args.filter, args.query, new Date()),
      keys: flowSortKeys(this.store.flows, args.orderBy),
      first: args.first,
      after: args.after,
      limits: this.store.ctx.limits,
    });
  }

  countJobs(filter: unknown, query?: JobQuery | null): Promise<number> {
    return countRows(this.store.db, "jobs", jobCondition(this.store.ctx, filter, query, new Date()));
  }

  countFlows(filter: unknown, query?: FlowQuery | null): Promise<number> {
    return countRows(this.store.db, "flows", flowCondition(this.store.ctx, filter, query, new Date()));
  }

  /** count_jobs_states / flows per state (scenario 28): every state listed, zero included, one GROUP BY. */
  async jobStateCounts(filter: unknown, query?: JobQuery | null): Promise<{ state: string; count: number }[]> {
    const where = jobCondition(this.store.ctx, filter, query, new Date());
    return this.stateCounts("jobs", where, JOB_STATES);
  }

  async flowStateCounts(filter: unknown, query?: FlowQuery | null): Promise<{ state: string; count: number }[]> {
    const where = flowCondition(this.store.ctx, filter, query, new Date());
    return this.stateCounts("flows", where, FLOW_STATES);
  }

  /** Jobs by db id, in the order asked (null where unknown); one statement. */
  async jobsByDbId(dbIds: readonly string[], fields?: readonly (keyof JobRow)[]): Promise<(JobNode | null)[]> {
    if (dbIds.length === 0) return [];
    const rows = await this.selectJobs(`t."db_id" IN (:...ids)`, { ids: [...new Set(dbIds)] }, fields);
    const byId = new Map(rows.map((row) => [row.dbId, row]));
    return dbIds.map((id) => byId.get(id) ?? null);
  }

  /** Jobs by (uuid, index); a null index means the highest index (§5). One statement. */
  async jobsByUuidIndex(keys: readonly { uuid: string; index: number | null }[]): Promise<(JobNode | null)[]> {
    if (keys.length === 0) return [];
    const rows = await this.selectJobs(`t."uuid" IN (:...uuids)`, { uuids: [...new Set(keys.map((key) => key.uuid))] });
    return keys.map(({ uuid, index }) => {
      const candidates = rows.filter((row) => row.uuid === uuid && (index === null || row.index === index));
      return candidates.reduce<JobNode | null>((best, row) => (!best || row.index > best.index ? row : best), null);
    });
  }

  async flowsByUuid(uuids: readonly string[]): Promise<(FlowNode | null)[]> {
    return rowsByKey<FlowNode, string>(this.store.db, {
      table: "flows",
      codec: this.store.flows,
      property: "uuid",
      keys: uuids,
    });
  }

  /** Every job row of each flow (all indexes), by db id; one statement for any number of flows. */
  async jobsOfFlows(flowUuids: readonly string[]): Promise<JobNode[][]> {
    if (flowUuids.length === 0) return [];
    const rows = await this.selectJobs(`t."flow_uuid" IN (:...ids)`, { ids: [...new Set(flowUuids)] });
    return flowUuids.map((uuid) => rows.filter((row) => row.flowUuid === uuid));
  }

  /** Parent jobs (every index of every parent uuid) of each job; one join. */
  async parentsOf(dbIds: readonly string[]): Promise<JobNode[][]> {
    return this.related(
      dbIds,
      `JOIN "jobs" t ON t."uuid" = p."parent_uuid" WHERE p."child_db_id" IN (:...ids)`,
      `p."child_db_id"`,
    );
  }

  /** Child jobs of each job: rows that name its uuid as a parent; one join. */
  async childrenOf(dbIds: readonly string[]): Promise<JobNode[][]> {
    return this.related(
      dbIds,
      `JOIN "jobs" t ON t."db_id" = p."child_db_id" JOIN "jobs" o ON o."uuid" = p."parent_uuid" WHERE o."db_id" IN (:...ids)`,
      `o."db_id"`,
    );
  }

  /** Batch processes per worker (§6.16): `{worker: {processId: processUuid}}` limited to one worker when given. */
  async batchProcesses(worker?: string | null): Promise<{ worker: string; processId: string; processUuid: string }[]> {
    return this.store.db.query(
      `SELECT "worker" AS "worker", "process_id" AS "processId", "process_uuid" AS "processUuid" FROM "batch_processes"
        WHERE (:worker = '' OR "worker" = :worker) ORDER BY "worker", "process_id"`,
      { worker: worker ?? "" },
    );
  }

  private async related(dbIds: readonly string[], join: string, keyColumn: string): Promise<JobNode[][]> {
    if (dbIds.length === 0) return [];
    const rows = await this.store.db.query(
      `SELECT ${keyColumn} AS "__key", ${this.store.jobs.selectList(JOB_FIELDS)} FROM "job_parents" p ${join} ORDER BY t."db_seq"`,
      { ids: [...new Set(dbIds)] },
    );
    const byKey = new Map<string, JobNode[]>();
    for (const row of rows) {
      const key = row["__key"] as string;
      const list = byKey.get(key) ?? [];
      list.push(this.store.jobs.decode<JobNode>(row));
      byKey.set(key, list);
    }
    return dbIds.map((id) => byKey.get(id) ?? []);
  }

  private async selectJobs(
    where: string,
    params: Record<string, unknown>,
    fields?: readonly (keyof JobRow)[],
  ): Promise<JobNode[]> {
    const rows = await this.store.db.query(
      `SELECT ${this.store.jobs.selectList(jobFields(fields))} FROM "jobs" t WHERE ${where} ORDER BY t."db_seq"`,
      params,
    );
    return rows.map((row) => this.store.jobs.decode<JobNode>(row));
  }

  private async stateCounts(
    table: string,
    where: { sql: string; params: Record<string, unknown> },
    states: readonly string[],
  ) {
    const rows = await this.store.db.query<{ state: string; n: number | string }>(
      `SELECT t."state" AS "state", COUNT(*) AS "n" FROM "${table}" t WHERE ${where.sql} GROUP BY t."state"`,
      where.params,
    );
    const counts = new Map(rows.map((row) => [row.state, Number(row.n)]));
    return states.map((state) => ({ state, count: counts.get(state) ?? 0 }));
  }
}

function jobFields(fields: readonly (keyof JobRow)[] | undefined): (keyof JobRow)[] {
  if (!fields) return JOB_FIELDS;
  return [...new Set<keyof JobRow>([...JOB_CORE_FIELDS, ...fields.filter((field) => JOB_FIELDS.includes(field))])];
}

function flowFields(fields: readonly (keyof FlowRow)[] | undefined): (keyof FlowRow)[] {
  if (!fields) return FLOW_FIELDS;
  return [...new Set<keyof FlowRow>([...FLOW_CORE_FIELDS, ...fields.filter((field) => FLOW_FIELDS.includes(field))])];
}
