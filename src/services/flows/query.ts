import { encodeInstant } from "../../db/values";
import type { RowCodec } from "../../db/row-codec";
import { badInput } from "../../errors";
import type { SqlCondition } from "../../filter/types";
import type { SortKey } from "../pagination";
import type { ServiceContext } from "../service-context";
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
} from "./model";

/** Builds one AND-ed condition from parts with their own parameters. */
class ConditionBuilder {
  readonly parts: string[] = [];
  readonly params: Record<string, unknown> = {};
  private n = 0;

  constructor(private readonly prefix: string) {}

  param(value: unknown): string {
    const name = `${this.prefix}${this.n++}`;
    this.params[name] = value;
    return name;
  }

  add(sql: string): void {
    this.parts.push(sql);
  }

  merge(condition: SqlCondition): void {
    this.parts.push(`(${condition.sql})`);
    Object.assign(this.params, condition.params);
  }

  /** `column IN (…)`; an empty list matches nothing (upstream treats [] as "no condition", §5 — not copied). */
  in(column: string, values: readonly unknown[] | null | undefined): void {
    if (values === null || values === undefined) return;
    this.add(values.length === 0 ? "1=0" : `${column} IN (:...${this.param([...new Set(values)])})`);
  }

  build(): SqlCondition {
    return { sql: this.parts.length > 0 ? this.parts.join(" AND ") : "1=1", params: this.params };
  }
}

/**
 * §5 flow_ids: a job matches when any of its hosts — its flow or an enclosing sub-flow — is named. The stored flow
 * is tested on its indexed column; sub-flows through the `hosts` JSON list.
 */
function flowIdsCondition(
  b: ConditionBuilder,
  ctx: ServiceContext,
  flowIds: readonly string[] | null | undefined,
): void {
  if (flowIds === null || flowIds === undefined) return;
  if (flowIds.length === 0) return b.add("1=0");
  const ids = b.param([...new Set(flowIds)]);
  const hosts =
    ctx.dialect === "postgres"
      ? `SELECT 1 FROM jsonb_array_elements_text(t."hosts") h(v) WHERE h.v IN (:...${ids})`
      : `SELECT 1 FROM json_each(t."hosts") h WHERE h.value IN (:...${ids})`;
  b.add(`(t."flow_uuid" IN (:...${ids}) OR EXISTS (${hosts}))`);
}

/** "Leased by someone": a lease is active while unexpired (§4 with expiry). */
export function activeLease(alias: string, nowParam: string): string {
  return `(${alias}."lock_id" IS NOT NULL AND ${alias}."lock_expires" > :${nowParam})`;
}

/** The JSON Filter and the named filters of §5, AND-ed, over `jobs` aliased `t`. */
export function jobCondition(
  ctx: ServiceContext,
  filter: unknown,
  query: JobQuery | null | undefined,
  now: Date,
): SqlCondition {
  const b = new ConditionBuilder("jq");
  b.merge(ctx.where(filter, JOB_CATALOGUE, "t", "jf"));
  if (!query) return b.build();
  b.in(`t."db_id"`, query.dbIds);
  if (query.jobIds) {
    if (query.jobIds.length === 0) b.add("1=0");
    else {
      const pairs = query.jobIds.map(({ uuid, index }) => {
        const u = b.param(uuid);
        // §5: a uuid without index selects the highest index of that uuid.
        return index === null || index === undefined
          ? `(t."uuid" = :${u} AND t."index" = (SELECT MAX(h."index") FROM "jobs" h WHERE h."uuid" = t."uuid"))`
          : `(t."uuid" = :${u} AND t."index" = :${b.param(index)})`;
      });
      b.add(`(${pairs.join(" OR ")})`);
    }
  }
  flowIdsCondition(b, ctx, query.flowIds);
  b.in(`t."state"`, query.states);
  dateRange(b, ctx, query);
  b.in(`t."worker"`, query.workers);
  if (query.locked === true) b.add(activeLease("t", b.param(encodeInstant(now, ctx.dialect))));
  if (query.locked === false) b.add(`NOT ${activeLease("t", b.param(encodeInstant(now, ctx.dialect)))}`);
  const compiled: Record<string, unknown> = {};
  if (query.name !== null && query.name !== undefined) compiled["name"] = { $glob: query.name };
  for (const [key, value] of Object.entries(query.metadata ?? {})) {
    if (key.startsWith("$") || key.length === 0)
      throw badInput(`metadata key '${key}' is not a field path`, "metadata");
    compiled[`metadata.${key}`] = value;
  }
  if (Object.keys(compiled).length > 0) b.merge(ctx.where(compiled, JOB_CATALOGUE, "t", "jn"));
  return b.build();
}

/** The JSON Filter and the named flow filters of §5 over `flows` aliased `t` (start and end date both apply). */
export function flowCondition(
  ctx: ServiceContext,
  filter: unknown,
  query: FlowQuery | null | undefined,
  now: Date,
): SqlCondition {
  const b = new ConditionBuilder("fq");
  b.merge(ctx.where(filter, FLOW_CATALOGUE, "t", "ff"));
  if (!query) return b.build();
  if (query.jobIds) {
    b.add(
      query.jobIds.length === 0
        ? "1=0"
        : `EXISTS (SELECT 1 FROM "jobs" m WHERE m."flow_uuid" = t."uuid" AND m."uuid" IN (:...${b.param([...new Set(query.jobIds)])}))`,
    );
  }
  if (query.dbIds) {
    b.add(
      query.dbIds.length === 0
        ? "1=0"
        : `EXISTS (SELECT 1 FROM "jobs" m WHERE m."flow_uuid" = t."uuid" AND m."db_id" IN (:...${b.param([...new Set(query.dbIds)])}))`,
    );
  }
  b.in(`t."uuid"`, query.flowIds);
  b.in(`t."state"`, query.states);
  dateRange(b, ctx, query);
  if (query.locked === true) b.add(activeLease("t", b.param(encodeInstant(now, ctx.dialect))));
  if (query.locked === false) b.add(`NOT ${activeLease("t", b.param(encodeInstant(now, ctx.dialect)))}`);
  if (query.name !== null && query.name !== undefined)
    b.merge(ctx.where({ name: { $glob: query.name } }, FLOW_CATALOGUE, "t", "fn"));
  return b.build();
}

function dateRange(
  b: ConditionBuilder,
  ctx: ServiceContext,
  query: { startDate?: Date | null; endDate?: Date | null },
): void {
  if (query.startDate) b.add(`t."updated_on" >= :${b.param(encodeInstant(query.startDate, ctx.dialect))}`);
  if (query.endDate) b.add(`t."updated_on" <= :${b.param(encodeInstant(query.endDate, ctx.dialect))}`);
}

/** True when the selection names nothing at all (no filter keys, no named filter). */
export function selectsNothingExplicitly(filter: unknown, query: object | null | undefined): boolean {
  const emptyFilter =
    filter === null || filter === undefined || (typeof filter === "object" && Object.keys(filter).length === 0);
  const emptyQuery = !query || Object.values(query).every((value) => value === null || value === undefined);
  return emptyFilter && emptyQuery;
}

export function jobSortKeys(codec: RowCodec, orderBy: readonly Order<JobSortField>[] | null | undefined): SortKey[] {
  return sortKeys(
    codec,
    (orderBy ?? []).map(({ field, descending }) => ({ property: JOB_SORT_FIELDS[field], descending })),
    "dbSeq",
    ["dbSeq", "createdOn", "updatedOn", "priority", "state", "name", "index"],
  );
}

export function flowSortKeys(codec: RowCodec, orderBy: readonly Order<FlowSortField>[] | null | undefined): SortKey[] {
  const order = orderBy && orderBy.length > 0 ? orderBy : [{ field: "CREATED_ON" as const, descending: false }];
  return sortKeys(
    codec,
    order.map(({ field, descending }) => ({ property: FLOW_SORT_FIELDS[field], descending })),
    "uuid",
    ["uuid", "name", "state", "createdOn", "updatedOn"],
  );
}

/** The asked order, then the unique key as the final tie-breaker (so keyset pages never skip or repeat). */
function sortKeys(
  codec: RowCodec,
  order: readonly { property: string; descending: boolean }[],
  unique: string,
  notNull: readonly string[],
): SortKey[] {
  const keys: SortKey[] = [];
  for (const { property, descending } of order) {
    if (keys.some((key) => key.property === property)) throw badInput(`orderBy names ${property} twice`, "orderBy");
    keys.push({
      column: codec.column(property),
      property,
      kind: codec.field(property).kind,
      descending,
      nullable: !notNull.includes(property),
    });
  }
  if (!keys.some((key) => key.property === unique)) {
    keys.push({
      column: codec.column(unique),
      property: unique,
      kind: codec.field(unique).kind,
      descending: false,
      nullable: false,
    });
  }
  return keys;
}
