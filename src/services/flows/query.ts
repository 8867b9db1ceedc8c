import { type Dialect, encodeInstant, type Instant } from "../../dialect";
import type { RowCodec } from "../../db/row-codec";
import { badInput } from "../../errors";
import type { PreparedFilter } from "../../filter";
import type { ServiceContext } from "../shared/service-context";
import {
  and,
  type Condition,
  FALSE,
  filterCondition,
  inList,
  not,
  or,
  type SortKey,
  sortKeys,
  sqlCondition,
  TABLES,
  TRUE,
} from "../sql";
import {
  FLOW_CATALOGUE,
  FLOW_SORT_FIELDS,
  type FlowQuery,
  type FlowSortField,
  JOB_CATALOGUE,
  JOB_SORT_FIELDS,
  type JobQuery,
  type JobSortField,
  type Order,
} from "./jobflow.model";

/**
 * The JSON filter and jobflow-remote's named filters (§5) as one condition over `jobs` / `flows` aliased `t`. The
 * filter is prepared once (`prepare…Filter`); the named filters depend on `now` (active leases), so the condition
 * is built per statement.
 */
export function prepareJobFilter(ctx: ServiceContext, filter: unknown): PreparedFilter | null {
  return filter === undefined || filter === null ? null : ctx.prepareFilter(filter, JOB_CATALOGUE);
}

export function prepareFlowFilter(ctx: ServiceContext, filter: unknown): PreparedFilter | null {
  return filter === undefined || filter === null ? null : ctx.prepareFilter(filter, FLOW_CATALOGUE);
}

/** Whether any named filter is given (a query whose entries are all null names nothing). */
export function namesAnything(query: object | null | undefined): boolean {
  return Boolean(query) && Object.values(query as object).some((value) => value !== null && value !== undefined);
}

/** "Leased by someone": a lease is active while unexpired (§4 with expiry). */
export function activeLease(alias: string, now: Instant, dialect: Dialect): Condition {
  return sqlCondition(
    (q) => `(${alias}."lock_id" IS NOT NULL AND ${alias}."lock_expires" > ${q.bind(encodeInstant(now, dialect))})`,
  );
}

/** The JSON filter and the named filters of §5, AND-ed, over `jobs` aliased `t`. */
export function jobCondition(
  ctx: ServiceContext,
  filter: PreparedFilter | null,
  query: JobQuery | null | undefined,
  now: Instant,
): Condition {
  const base = filter ? filterCondition(filter) : TRUE;
  if (!query) return base;
  const named: Record<string, unknown> = {};
  if (query.name !== null && query.name !== undefined) named["name"] = { $glob: query.name };
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (key.startsWith("$") || key.length === 0)
      throw badInput(`metadata key '${key}' is not a field path`, "metadata");
    named[`metadata.${key}`] = value;
  }
  return and(
    base,
    inList(`t."db_id"`, query.dbIds),
    jobIdsCondition(query.jobIds),
    flowIdsCondition(ctx, query.flowIds),
    inList(`t."state"`, query.states),
    dateRange(ctx, query),
    inList(`t."worker"`, query.workers),
    lockedCondition(query.locked, now, ctx.dialect),
    Object.keys(named).length > 0 ? ctx.where(named, JOB_CATALOGUE) : TRUE,
  );
}

/** The JSON filter and the named flow filters of §5 over `flows` aliased `t` (start and end date both apply). */
export function flowCondition(
  ctx: ServiceContext,
  filter: PreparedFilter | null,
  query: FlowQuery | null | undefined,
  now: Instant,
): Condition {
  const base = filter ? filterCondition(filter) : TRUE;
  if (!query) return base;
  return and(
    base,
    flowHasJob(`m."uuid"`, query.jobIds),
    flowHasJob(`m."db_id"`, query.dbIds),
    inList(`t."uuid"`, query.flowIds),
    inList(`t."state"`, query.states),
    dateRange(ctx, query),
    lockedCondition(query.locked, now, ctx.dialect),
    query.name !== null && query.name !== undefined ? ctx.where({ name: { $glob: query.name } }, FLOW_CATALOGUE) : TRUE,
  );
}

/** §5: a (uuid, index) pair; a uuid without index selects the highest index of that uuid. */
function jobIdsCondition(jobIds: JobQuery["jobIds"]): Condition {
  if (jobIds === null || jobIds === undefined) return TRUE;
  if (jobIds.length === 0) return FALSE;
  return or(
    ...jobIds.map(({ uuid, index }) =>
      sqlCondition((q) =>
        index === null || index === undefined
          ? `t."uuid" = ${q.bind(uuid)} AND t."index" = (SELECT MAX(h."index") FROM "${TABLES.jobs}" h WHERE h."uuid" = t."uuid")`
          : `t."uuid" = ${q.bind(uuid)} AND t."index" = ${q.bind(index)}`,
      ),
    ),
  );
}

/**
 * §5 flow_ids: a job matches when any of its hosts — its flow or an enclosing sub-flow — is named. The stored flow
 * is tested on its indexed column; sub-flows through the `hosts` JSON list.
 */
function flowIdsCondition(ctx: ServiceContext, flowIds: readonly string[] | null | undefined): Condition {
  if (flowIds === null || flowIds === undefined) return TRUE;
  if (flowIds.length === 0) return FALSE;
  return sqlCondition((q) => {
    const ids = q.list(flowIds);
    const hosts =
      ctx.dialect === "postgres"
        ? `SELECT 1 FROM jsonb_array_elements_text(t."hosts") h(v) WHERE h.v IN (${ids})`
        : `SELECT 1 FROM json_each(t."hosts") h WHERE h.value IN (${ids})`;
    return `t."flow_uuid" IN (${ids}) OR EXISTS (${hosts})`;
  });
}

/** Flows holding a job whose `column` (of `jobs` aliased `m`) is one of `values`. */
function flowHasJob(column: string, values: readonly string[] | null | undefined): Condition {
  if (values === null || values === undefined) return TRUE;
  if (values.length === 0) return FALSE;
  return sqlCondition(
    (q) =>
      `EXISTS (SELECT 1 FROM "${TABLES.jobs}" m WHERE m."flow_uuid" = t."uuid" AND ${column} IN (${q.list(values)}))`,
  );
}

function lockedCondition(locked: boolean | null | undefined, now: Instant, dialect: Dialect): Condition {
  if (locked === true) return activeLease("t", now, dialect);
  if (locked === false) return not(activeLease("t", now, dialect));
  return TRUE;
}

function dateRange(ctx: ServiceContext, query: { startDate?: Instant | null; endDate?: Instant | null }): Condition {
  return and(
    query.startDate
      ? sqlCondition((q) => `t."updated_on" >= ${q.bind(encodeInstant(query.startDate as Instant, ctx.dialect))}`)
      : TRUE,
    query.endDate
      ? sqlCondition((q) => `t."updated_on" <= ${q.bind(encodeInstant(query.endDate as Instant, ctx.dialect))}`)
      : TRUE,
  );
}

export function jobSortKeys(codec: RowCodec, orderBy: readonly Order<JobSortField>[] | null | undefined): SortKey[] {
  return sortKeys(
    codec,
    (orderBy ?? []).map(({ field, descending }) => ({ property: JOB_SORT_FIELDS[field], descending })),
    { property: "dbSeq" },
  );
}

export function flowSortKeys(codec: RowCodec, orderBy: readonly Order<FlowSortField>[] | null | undefined): SortKey[] {
  const order = orderBy && orderBy.length > 0 ? orderBy : [{ field: "CREATED_ON" as const, descending: false }];
  return sortKeys(
    codec,
    order.map(({ field, descending }) => ({ property: FLOW_SORT_FIELDS[field], descending })),
    { property: "uuid" },
  );
}
