import type { Executor, ScriptStatement } from "../../db/database";
import type { Dialect } from "../../dialect";
import { inList, placeholders, query, run, TABLES } from "../sql";

/** Pairs per `UPDATE … CASE` statement (2 parameters each plus the IN list). */
const LINK_CHUNK = 400;

/** A record as far as its resubmission links go. */
export interface LinkedRecord {
  readonly msgId: string;
  /** On an original: its (latest) resubmission. */
  readonly resubmitted?: string | null;
  /** On a resubmission: its original. */
  readonly resubmittedFrom?: string | null;
}

/**
 * Keeps the two directions of a resubmission link consistent, whichever is written first (ipython-hub.md §15):
 * the Hub names the resubmission on the original (`resubmitted`, by add + update when it resubmits live; both
 * records in any order in an imported file), hubql names the original on the resubmission (`resubmitted_from`).
 * Call it, inside the writing transaction, with the records just written:
 * - an original naming X sets X's `resubmitted_from` (if X is stored; else when X arrives, below). A later
 *   resubmission of the same original overwrites `resubmitted`, as in the Hub; the earlier one keeps its link.
 * - a record without `resubmitted_from` takes it from a stored original naming it, if any.
 */
export async function linkResubmissions(tx: Executor, records: readonly LinkedRecord[]): Promise<void> {
  const forward = records
    .filter((record) => typeof record.resubmitted === "string" && record.resubmitted !== record.msgId)
    .map((record) => [record.resubmitted as string, record.msgId] as const);
  await setByMsgId(tx, "resubmitted_from", forward);
  const orphans = records.filter((record) => !record.resubmittedFrom).map((record) => record.msgId);
  // Almost no record is named by a stored original: find the few that are with a lookup on the resubmitted index
  // alone (1,000 ids: ~2 ms on SQLite), and update only those. The UPDATE over every id probed two indexes per
  // record (msg_id, then resubmitted): ~15 % of an ingest's statement time.
  const named = await namedByOriginals(tx, orphans);
  for (let start = 0; start < named.length; start += LINK_CHUNK) {
    const ids = inList(`"msg_id"`, named.slice(start, start + LINK_CHUNK));
    await run(tx, (q) => linkToOriginals(ids.toSql(q)));
  }
}

/**
 * The back links of linkResubmissions for new records, as one statement of a script (Database.pipeline), which
 * cannot wait for the look-up that narrows the ids first: the UPDATE below over every id.
 */
export function linkToOriginalsStatement(dialect: Dialect, msgIds: readonly string[]): ScriptStatement {
  return { text: linkToOriginals(`"msg_id" IN ${placeholders(dialect, 1, msgIds.length)}`), values: msgIds };
}

/**
 * Sets `resubmitted_from` where it is missing on the records `where` picks, to the latest stored original naming
 * them. The latest as MAX over the resubmitted index; only for records some original names (EXISTS: a plain index
 * lookup). `ORDER BY seq DESC LIMIT 1`, and a bare MAX(seq) that Postgres rewrites to it, walk the seq order instead
 * when the planner misjudges `resubmitted` (ANALYZE counts its NULLs as one value on SQLite; stale statistics on
 * Postgres): 29 s per 1000 added records on 20,000 analysed ones, and over 60 s on Postgres while 100,000 were
 * added. `+ 0` keeps MAX an aggregate. "resubmitted_from IS NULL" stays out of WHERE: with a long IN list SQLite's
 * planner (no statistics) would rather walk the resubmitted_from index over every record without a link, once per
 * batch (quadratic imports).
 */
function linkToOriginals(where: string): string {
  const original = `FROM "${TABLES.taskRecords}" o WHERE o."resubmitted" = "${TABLES.taskRecords}"."msg_id"`;
  return `UPDATE "${TABLES.taskRecords}" SET "resubmitted_from" = COALESCE("resubmitted_from",
      (SELECT l."msg_id" FROM "${TABLES.taskRecords}" l WHERE l."seq" = (SELECT MAX(o."seq" + 0) ${original})))
    WHERE ${where} AND EXISTS (SELECT 1 ${original})`;
}

/** Ids per look-up of `namedByOriginals` (one parameter each). */
const PROBE_CHUNK = 1000;

/** Those of `msgIds` that some stored record names as its resubmission (`resubmitted`). */
async function namedByOriginals(tx: Executor, msgIds: readonly string[]): Promise<string[]> {
  const named: string[] = [];
  for (let start = 0; start < msgIds.length; start += PROBE_CHUNK) {
    const ids = inList(`o."resubmitted"`, msgIds.slice(start, start + PROBE_CHUNK));
    const rows = await query<{ msgId: string }>(
      tx,
      (q) => `SELECT DISTINCT o."resubmitted" AS "msgId" FROM "${TABLES.taskRecords}" o WHERE ${ids.toSql(q)}`,
    );
    for (const row of rows) named.push(row.msgId);
  }
  return named;
}

/**
 * `column = value` on the record named by each `[msgId, value]` pair, in chunked `UPDATE … SET column = CASE
 * "msg_id" WHEN … END` statements (a pair whose record is not stored changes nothing). `column` is never user text.
 */
export async function setByMsgId(
  tx: Executor,
  column: "resubmitted" | "resubmitted_from",
  pairs: readonly (readonly [string, string])[],
): Promise<void> {
  for (let start = 0; start < pairs.length; start += LINK_CHUNK) {
    const chunk = pairs.slice(start, start + LINK_CHUNK);
    const targets = inList(
      `"msg_id"`,
      chunk.map(([msgId]) => msgId),
    );
    await run(tx, (q) => {
      const cases = chunk.map(([msgId, value]) => `WHEN ${q.bind(msgId)} THEN ${q.bind(value)}`);
      return `UPDATE "${TABLES.taskRecords}" SET "${column}" = CASE "msg_id" ${cases.join(" ")} END WHERE ${targets.toSql(q)}`;
    });
  }
}
