import type { Executor } from "../../db/database";
import type { Instant } from "../../dialect";
import { badInput, invalidState, limitExceeded } from "../../errors";
import { inList, selectRows, TABLES } from "../sql";
import { jobKey } from "./flow-document";
import { parseJsonText } from "./job-document";
import type { JobInput, JobRow } from "./jobflow.model";
import { type NewJob, newJobRow, readNewJobs, resolveParents } from "./new-jobs";
import type { JobflowStore } from "./store";
import { insertJobs, insertParents, nextDbIds } from "./submission";

/** A jobflow Response as completeJob receives it (docs/flows-and-jobs.md, the runner). */
export interface JobResponse {
  /** The job's stored output (JobStoreDocument.output) as JSON text, stored verbatim. */
  readonly outputJson?: string | null;
  /** The old form: a JSON value, stored as `JSON.stringify(value)`. */
  readonly output?: unknown;
  readonly storedData?: unknown;
  /** Response.replace as jobs (a Flow's iterflow, with the store_inputs job at this uuid and the next index). */
  readonly replace?: readonly JobInput[] | null;
  readonly addition?: readonly JobInput[] | null;
  readonly detour?: readonly JobInput[] | null;
  readonly stopChildren?: boolean | null;
  readonly stopJobflow?: boolean | null;
}

/** The dynamic parts, in the order jobflow-remote's `checkin_job` applies them (l.3434–3510). */
const PARTS = ["replace", "addition", "detour"] as const;
type PartName = (typeof PARTS)[number];

interface Part {
  readonly name: PartName;
  readonly jobs: NewJob[];
  /** The completed job's contribution to omitted parents (`parents if parents else …`). */
  readonly inherited: readonly string[];
  readonly argument: string;
}

interface ResolvedPart extends Part {
  readonly parents: string[][];
}

/** The output text a completion stores: `outputJson` as sent (checked to be JSON), or the old `output` value. */
export function outputText(response: JobResponse | null | undefined): string | null {
  if (!response) return null;
  const hasText = response.outputJson !== null && response.outputJson !== undefined;
  const hasValue = response.output !== null && response.output !== undefined;
  if (hasText && hasValue) throw badInput("give the output as outputJson or as output, not both", "response.output");
  if (hasText) {
    parseJsonText(response.outputJson as string, "response.outputJson");
    return response.outputJson as string;
  }
  return hasValue ? JSON.stringify(response.output) : null;
}

/**
 * The dynamic parts of a response, checked against the flow before anything is written: each part's jobs
 * read as in addFlow, their parents inside the part, `(uuid, index)` new in the store and unique in the
 * response. The one reuse allowed: a `replace` job with the completed uuid at the next index (at most one).
 */
export async function readResponseParts(
  tx: Executor,
  store: JobflowStore,
  job: JobRow,
  flowJobs: readonly JobRow[],
  response: JobResponse,
): Promise<ResolvedPart[]> {
  const { maxBatchSize } = store.ctx.limits;
  const count = PARTS.reduce((sum, name) => sum + (response[name]?.length ?? 0), 0);
  if (count > maxBatchSize)
    throw limitExceeded(`a response may add at most ${maxBatchSize} jobs (HUBQL_MAX_BATCH_SIZE), not ${count}`, {
      maximum: maxBatchSize,
    });
  const highest = Math.max(...flowJobs.filter((row) => row.uuid === job.uuid).map((row) => row.index));
  const parts: Part[] = [];
  for (const name of PARTS) {
    const inputs = response[name];
    if (inputs === null || inputs === undefined) continue;
    const argument = `response.${name}`;
    const oldForm = inputs.every((input) => input.documentJson === null || input.documentJson === undefined);
    if (name === "replace" && oldForm && inputs.length > 1)
      throw badInput(
        `${argument}: a replace of several jobs needs documentJson (which one stores the output?)`,
        argument,
      );
    // The old form's single replacing job takes this job's uuid and the next index.
    const entries =
      name === "replace" && oldForm
        ? inputs.map((input) => ({ ...input, uuid: job.uuid, index: highest + 1 }))
        : inputs;
    const jobs = readNewJobs(entries, { argument, flowUuid: job.flowUuid, defaults: job, project: store.project });
    // upstream's _append_flow: `parents if parents else job_parents` (job-level parents for replace).
    parts.push({ name, jobs, argument, inherited: name === "replace" ? job.parents : [job.uuid] });
  }
  if (parts.length === 0) return [];
  // Always true for a running job (rerun refuses lower indexes); a replace would otherwise pick a taken index.
  if (job.index !== highest)
    throw invalidState(`Job ${job.dbId} is index ${job.index} of ${job.uuid}, not the highest (${highest})`, {
      dbId: job.dbId,
    });
  await checkNewKeys(tx, store, job, highest, parts);
  return parts.map((part) => ({
    ...part,
    parents: resolveParents(part.jobs, part.argument, { kind: "response part", inherited: part.inherited }),
  }));
}

/** Every new `(uuid, index)` is unused; only a replace may reuse the completed uuid, once, at the next index. */
async function checkNewKeys(
  tx: Executor,
  store: JobflowStore,
  job: JobRow,
  highest: number,
  parts: readonly Part[],
): Promise<void> {
  const uuids = [...new Set(parts.flatMap((part) => part.jobs.map((newJob) => newJob.uuid)))];
  if (uuids.length === 0) return;
  const existing = await selectRows<{ uuid: string }>(tx, {
    table: TABLES.jobs,
    codec: store.jobs,
    fields: ["uuid"],
    where: inList(`t."uuid"`, uuids),
  });
  const taken = new Set(existing.map((row) => row.uuid));
  const seen = new Set<string>();
  for (const part of parts) {
    const { argument } = part;
    const sameUuid = part.jobs.filter((newJob) => newJob.uuid === job.uuid);
    for (const newJob of part.jobs) {
      const key = jobKey(newJob.uuid, newJob.index);
      if (seen.has(key))
        throw badInput(`${argument}: job ${newJob.uuid} index ${newJob.index} is given twice`, argument);
      seen.add(key);
      if (newJob.uuid !== job.uuid && taken.has(newJob.uuid))
        throw badInput(`${argument}: job ${newJob.uuid} exists already; a new job needs a new uuid`, argument);
    }
    if (sameUuid.length === 0) continue;
    if (part.name !== "replace")
      throw badInput(`${argument}: only a replace may reuse the completed job's uuid ${job.uuid}`, argument);
    if (sameUuid.length > 1 || (sameUuid[0] as NewJob).index !== highest + 1)
      throw badInput(
        `${argument}: the job replacing ${job.uuid} must be its only entry with that uuid, at index ${highest + 1}`,
        argument,
      );
  }
}

/**
 * Appends the parts as jobflow-remote's `_append_flow` does, in order: new rows with consecutive db ids; for a
 * detour, the part's leaves are first appended to the job-level parents of every row of the flow that waits for
 * the completed job (addition roots of the same response included, detour rows not yet there); the flow's
 * `updatedOn` is bumped. Flow-level parents are never changed here.
 */
export async function appendParts(
  tx: Executor,
  store: JobflowStore,
  job: JobRow,
  flowJobs: readonly JobRow[],
  parts: readonly ResolvedPart[],
  now: Instant,
): Promise<void> {
  const rows = flowJobs.map((row) => ({ ...row }));
  for (const part of parts) {
    const first = await nextDbIds(tx, part.jobs.length);
    const added = part.jobs.map((newJob, i) =>
      newJobRow(newJob, part.parents[i] as string[], job.flowUuid, first + i, store.project.dbIdPrefix, now),
    );
    if (part.name === "detour") {
      const named = new Set(part.parents.flat());
      const leaves = part.jobs.map((newJob) => newJob.uuid).filter((uuid) => !named.has(uuid));
      for (const row of rows.filter((other) => other.parents.includes(job.uuid))) {
        const extra = leaves.filter((leaf) => !row.parents.includes(leaf));
        if (extra.length === 0) continue;
        row.parents = [...row.parents, ...extra];
        await store.updateJob(tx, row.dbId, { parents: row.parents });
        await insertParents(tx, store, [{ dbId: row.dbId, parents: extra }]);
      }
    }
    await insertJobs(tx, store, added);
    rows.push(...added);
    await store.touchFlow(tx, job.flowUuid, now);
  }
}
