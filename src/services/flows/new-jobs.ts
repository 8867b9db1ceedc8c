import { randomUUID } from "node:crypto";

import type { Instant } from "../../dialect";
import { badInput } from "../../errors";
import { jobKey } from "./flow-document";
import { isObject, readJobDocument, truthy } from "./job-document";
import { DOCUMENT_FIELDS, type JobInput, type JobRow, ON_MISSING_REFERENCES, type RunDefaults } from "./jobflow.model";
import { checkExecConfig, checkWorker, type JobflowProject } from "./project";
import { NO_LEASE } from "./store";

/**
 * Jobs about to be inserted, by addFlow or by a dynamic response, whichever form they came in: with a document
 * (the serialized jobflow Job is the one source of the job's fields) or the old form (the fields themselves).
 */
export interface NewJob {
  readonly uuid: string;
  readonly index: number;
  readonly name: string;
  readonly metadata: Record<string, unknown>;
  readonly hosts: readonly string[];
  readonly onMissingReferences: string;
  readonly worker: string | null;
  readonly execConfig: unknown;
  readonly resources: Record<string, unknown> | null;
  readonly priority: number;
  /** `JobInput.parents` as given; null when omitted. */
  readonly givenParents: readonly string[] | null;
  readonly documentJson: string | null;
  /** Uuids the job's arguments reference, in first-appearance order (none in the old form). */
  readonly inputReferences: readonly string[];
  /** Uuids referenced anywhere in the document. */
  readonly references: ReadonlySet<string>;
}

export interface ReadJobsOptions {
  /** The input list's name in messages and `extensions.argument`: `flow.jobs`, `response.replace`. */
  readonly argument: string;
  /** The stored flow's uuid: a document's hosts end with it; the old form's hosts get it appended. */
  readonly flowUuid: string;
  /** Run settings for jobs whose manager config (or own fields) leave them unset. */
  readonly defaults: RunDefaults;
  readonly project: JobflowProject;
}

/** The path of each DOCUMENT_FIELDS entry inside a document, for the "omit it" message. */
const DOCUMENT_PATHS: Record<(typeof DOCUMENT_FIELDS)[number], string> = {
  uuid: "uuid",
  index: "index",
  name: "name",
  hosts: "hosts",
  metadata: "metadata",
  onMissingReferences: "config.on_missing_references",
  worker: "config.manager_config.worker",
  execConfig: "config.manager_config.exec_config",
  resources: "config.manager_config.resources",
  priority: "config.manager_config.priority",
};

/**
 * Reads a list of JobInputs (docs/flows-and-jobs.md, "jobflow documents"): all with documents or none, no field given twice, each document valid
 * and hosted by the flow, workers and exec configs known to the project, `(uuid, index)` unique in the list.
 */
export function readNewJobs(inputs: readonly JobInput[], options: ReadJobsOptions): NewJob[] {
  const { argument } = options;
  const withDocument = inputs.filter((input) => input.documentJson !== null && input.documentJson !== undefined);
  if (withDocument.length > 0 && withDocument.length < inputs.length)
    throw badInput(`${argument}: a mix of jobs with and without documentJson`, argument);
  const jobs = inputs.map((input, i) =>
    withDocument.length > 0
      ? fromDocument(input, `${argument}[${i}]`, options)
      : fromFields(input, `${argument}[${i}]`, options),
  );
  const seen = new Set<string>();
  jobs.forEach((job, i) => {
    const key = jobKey(job.uuid, job.index);
    if (seen.has(key)) throw badInput(`${argument}[${i}] repeats job ${job.uuid} index ${job.index}`, argument);
    seen.add(key);
    if (job.worker) checkWorker(options.project, job.worker);
    checkExecConfig(options.project, job.execConfig);
  });
  return jobs;
}

function fromDocument(input: JobInput, at: string, options: ReadJobsOptions): NewJob {
  for (const field of DOCUMENT_FIELDS) {
    if (input[field] !== null && input[field] !== undefined)
      throw badInput(`${at}.${field}: omit it, the document has the ${DOCUMENT_PATHS[field]}`, `${at}.${field}`);
  }
  const argument = `${at}.documentJson`;
  const doc = readJobDocument(input.documentJson as string, argument);
  if (doc.hosts[doc.hosts.length - 1] !== options.flowUuid)
    throw badInput(`${argument}: $.hosts must end with the flow's uuid ${options.flowUuid}`, argument);
  // get_initial_job_doc_dict: the manager config wins when set (Python truthiness; resources when not None).
  const manager = doc.managerConfig;
  const { defaults } = options;
  return {
    uuid: doc.uuid,
    index: doc.index,
    name: doc.name,
    metadata: doc.metadata,
    hosts: doc.hosts,
    onMissingReferences: doc.onMissingReferences,
    worker: truthy(manager["worker"]) ? (manager["worker"] as string) : (defaults.worker ?? null),
    execConfig: truthy(manager["exec_config"]) ? manager["exec_config"] : (defaults.execConfig ?? null),
    resources: isObject(manager["resources"]) ? manager["resources"] : (defaults.resources ?? null),
    priority: truthy(manager["priority"]) ? (manager["priority"] as number) : defaults.priority || 0,
    givenParents: input.parents ?? null,
    documentJson: doc.text,
    inputReferences: doc.inputReferences,
    references: doc.references,
  };
}

function fromFields(input: JobInput, at: string, options: ReadJobsOptions): NewJob {
  if (!input.name) throw badInput(`${at}.name: a job without documentJson needs a name`, `${at}.name`);
  const onMissing = input.onMissingReferences ?? "error";
  if (!(ON_MISSING_REFERENCES as readonly string[]).includes(onMissing))
    throw badInput(
      `${at}.onMissingReferences must be one of ${ON_MISSING_REFERENCES.join(", ")}`,
      `${at}.onMissingReferences`,
    );
  const index = input.index ?? 1;
  if (index < 1) throw badInput(`${at}.index must be at least 1`, `${at}.index`);
  const { defaults, flowUuid } = options;
  return {
    uuid: input.uuid ?? randomUUID(),
    index,
    name: input.name,
    metadata: input.metadata ?? {},
    // jobflow's job.hosts: enclosing sub-flows innermost first, the outermost (stored) flow last.
    hosts: [...new Set([...(input.hosts ?? []).filter((host) => host !== flowUuid), flowUuid])],
    onMissingReferences: onMissing,
    worker: input.worker ?? defaults.worker ?? null,
    execConfig: input.execConfig ?? defaults.execConfig ?? null,
    resources: input.resources ?? defaults.resources ?? null,
    // §3.1: priority 0 in the job's own config counts as "unset".
    priority: input.priority || defaults.priority || 0,
    givenParents: input.parents ?? null,
    documentJson: null,
    inputReferences: [],
    references: new Set(),
  };
}

/** Where new jobs' parents come from when a job's list is omitted. */
export type ParentsScope =
  /** addFlow: the submission's jobs; omitted parents are derived from the references. */
  | { readonly kind: "flow" }
  /** A response part: the part's jobs; omitted or empty parents are inherited (`parents if parents else …`). */
  | { readonly kind: "response part"; readonly inherited: readonly string[] };

/**
 * The parents of each new job, checked: they name jobs of the scope only, include every job of the scope that
 * the job's arguments reference (else it could run before its input exists), and form no cycle.
 */
export function resolveParents(jobs: readonly NewJob[], argument: string, scope: ParentsScope): string[][] {
  const uuids = new Set(jobs.map((job) => job.uuid));
  const parents = jobs.map((job) => {
    const referenced = job.inputReferences.filter((uuid) => uuids.has(uuid));
    const given = job.givenParents ?? [];
    const omitted = job.givenParents === null || (scope.kind === "response part" && given.length === 0);
    if (omitted && scope.kind === "flow") return referenced;
    for (const parent of given) {
      if (!uuids.has(parent))
        throw badInput(`job ${job.uuid} names parent ${parent}, which is not a job of this ${scope.kind}`, argument);
    }
    const missing = referenced.find((uuid) => !given.includes(uuid));
    if (missing)
      throw badInput(`job ${job.uuid} references the output of ${missing} but does not list it as a parent`, argument);
    return omitted && scope.kind === "response part" ? [...scope.inherited] : [...new Set(given)];
  });
  checkAcyclic(jobs, parents, uuids, argument);
  return parents;
}

/** Kahn's algorithm over the new jobs (edges inside `scope`): whatever is left over sits on a cycle. */
function checkAcyclic(
  jobs: readonly NewJob[],
  parents: readonly string[][],
  scope: ReadonlySet<string>,
  argument: string,
): void {
  const children = new Map<string, number[]>();
  const pending = parents.map((list, i) => {
    const inner = list.filter((parent) => scope.has(parent));
    for (const parent of inner) children.set(parent, [...(children.get(parent) ?? []), i]);
    return inner.length;
  });
  const queue = pending.flatMap((count, i) => (count === 0 ? [i] : []));
  let done = 0;
  while (queue.length > 0) {
    const i = queue.pop() as number;
    done++;
    for (const child of children.get((jobs[i] as NewJob).uuid) ?? []) {
      pending[child] = (pending[child] as number) - 1;
      if (pending[child] === 0) queue.push(child);
    }
  }
  if (done !== jobs.length) throw badInput("the jobs' parents form a cycle", argument);
}

/** A new job row (§3.1): READY without parents, else WAITING; its flow-level parents are its parents. */
export function newJobRow(
  job: NewJob,
  parents: readonly string[],
  flowUuid: string,
  seq: number,
  prefix: string,
  now: Instant,
): JobRow {
  return {
    dbId: `${prefix}${seq}`,
    dbSeq: seq,
    uuid: job.uuid,
    index: job.index,
    flowUuid,
    name: job.name,
    state: parents.length === 0 ? "READY" : "WAITING",
    worker: job.worker,
    priority: job.priority,
    metadata: job.metadata,
    onMissingReferences: job.onMissingReferences,
    parents: [...parents],
    flowParents: [...parents],
    hosts: [...job.hosts],
    previousState: null,
    error: null,
    stepAttempts: 0,
    queueState: null,
    processId: null,
    retryTimeLimit: null,
    remoteError: null,
    runDir: null,
    startTime: null,
    endTime: null,
    execConfig: job.execConfig,
    resources: job.resources,
    storedData: null,
    outputJson: null,
    documentJson: job.documentJson,
    ...NO_LEASE,
    createdOn: now,
    updatedOn: now,
  };
}
