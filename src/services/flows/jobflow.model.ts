import { catalogueFor } from "../../db/catalogue";
import { flowEntity, type FlowRow } from "../../db/entities/flow.entity";
import { batchProcessEntity, jobEntity, jobParentEntity, type JobRow } from "../../db/entities/job.entity";
import type { Instant } from "../../dialect";
import type { SelectionArgs } from "../shared/selection";
import { FLOW_STATES, JOB_STATES, type JobState } from "./states";

export type { FlowRow, JobRow };

/**
 * Columns held as exact JSON text: read only when selected, never filtered (upstream's named filters never look
 * inside a job document either), and the largest columns, so the relation loaders leave them out.
 */
export const JOB_TEXT_FIELDS = ["documentJson", "outputJson"] as const satisfies readonly (keyof JobRow)[];
export const FLOW_TEXT_FIELDS = ["documentJson"] as const satisfies readonly (keyof FlowRow)[];

const JOB_OPTIONS = { label: "Job", enums: { state: JOB_STATES, previousState: JOB_STATES } };
const FLOW_OPTIONS = { label: "Flow", enums: { state: FLOW_STATES } };
/** A lease's id is its holder's credential: read and written, never filtered on (docs/security.md, "Leases"). */
const SECRET = ["lockId"];

/** Every column of a job row (jobflow-remote.md §3.1, flattened): what the row codec reads and writes. */
export const JOB_COLUMNS = catalogueFor(jobEntity("sqlite"), JOB_OPTIONS);
/** What a job filter may name: every column but the exact-text ones. */
export const JOB_CATALOGUE = catalogueFor(jobEntity("sqlite"), {
  ...JOB_OPTIONS,
  exclude: JOB_TEXT_FIELDS,
  secret: SECRET,
});

export const FLOW_COLUMNS = catalogueFor(flowEntity("sqlite"), FLOW_OPTIONS);
export const FLOW_CATALOGUE = catalogueFor(flowEntity("sqlite"), {
  ...FLOW_OPTIONS,
  exclude: FLOW_TEXT_FIELDS,
  secret: SECRET,
});

/** `job_parents` rows (child db id, parent uuid): written, never filtered. */
export const JOB_PARENT_CATALOGUE = catalogueFor(jobParentEntity("sqlite"));

/** A batch worker's processes (§6.16). */
export const BATCH_PROCESS_CATALOGUE = catalogueFor(batchProcessEntity("sqlite"));

/** Every job column but the exact-text ones: what a read without a selection (writes' answers, tools) returns. */
export const JOB_LOADER_FIELDS = JOB_CATALOGUE.fields.map((field) => field.name) as (keyof JobRow)[];
export const FLOW_LOADER_FIELDS = FLOW_CATALOGUE.fields.map((field) => field.name) as (keyof FlowRow)[];

/**
 * A job or flow row as a read returns it: its key, and the properties its request's selection needs (column
 * pruning: lists, loaders and `_entities` read only those; src/graphql/flows/*.type.ts say which properties each
 * GraphQL field reads). Writes return whole rows.
 */
export type JobNode = Partial<JobRow> & Pick<JobRow, "dbId">;
export type FlowNode = Partial<FlowRow> & Pick<FlowRow, "uuid">;

/** jobflow-remote's named job filters (§5). Lists are OR'ed inside, conditions AND'ed; an empty list matches nothing. */
export interface JobQuery {
  readonly dbIds?: readonly string[] | null;
  /** (uuid, index) pairs; a pair without index means the highest index of that uuid (§5). */
  readonly jobIds?: readonly { uuid: string; index?: number | null }[] | null;
  readonly flowIds?: readonly string[] | null;
  readonly states?: readonly JobState[] | null;
  /** updated_on ≥ startDate and ≤ endDate (both inclusive). */
  readonly startDate?: Instant | null;
  readonly endDate?: Instant | null;
  /** fnmatch glob on the job name, anchored and case-sensitive. */
  readonly name?: string | null;
  /** For each key (dotted keys walk nested objects): metadata.key equals the value. */
  readonly metadata?: Record<string, unknown> | null;
  readonly workers?: readonly string[] | null;
  /** true: an active (unexpired) lease; false: no active lease. */
  readonly locked?: boolean | null;
}

/** Named flow filters (§5); `jobIds` are job uuids, `dbIds` job db ids. */
export interface FlowQuery {
  readonly jobIds?: readonly string[] | null;
  readonly dbIds?: readonly string[] | null;
  readonly flowIds?: readonly string[] | null;
  readonly states?: readonly string[] | null;
  readonly startDate?: Instant | null;
  readonly endDate?: Instant | null;
  readonly name?: string | null;
  readonly locked?: boolean | null;
}

export const JOB_SORT_FIELDS = {
  DB_ID: "dbSeq",
  CREATED_ON: "createdOn",
  UPDATED_ON: "updatedOn",
  PRIORITY: "priority",
  STATE: "state",
  NAME: "name",
  INDEX: "index",
  WORKER: "worker",
  START_TIME: "startTime",
  END_TIME: "endTime",
} as const satisfies Record<string, keyof JobRow>;
export type JobSortField = keyof typeof JOB_SORT_FIELDS;

export const FLOW_SORT_FIELDS = {
  CREATED_ON: "createdOn",
  UPDATED_ON: "updatedOn",
  NAME: "name",
  STATE: "state",
  UUID: "uuid",
} as const satisfies Record<string, keyof FlowRow>;
export type FlowSortField = keyof typeof FLOW_SORT_FIELDS;

export interface Order<F extends string> {
  readonly field: F;
  readonly descending: boolean;
}

/** Which jobs a bulk operation acts on. Nothing named and no `all: true` is an error, never "everything". */
export interface JobSelection extends SelectionArgs<never> {
  readonly query?: JobQuery | null;
}

/** How an operation treats leases held by others (§4). */
export interface LockOptions {
  /** Seconds to keep retrying while a job or flow is leased by someone else. */
  readonly wait?: number | null;
  /** Ignore and clear other holders' leases (the former holder's release then finds nothing). */
  readonly breakLock?: boolean | null;
  /** The caller's own lease: jobs/flows leased with this id are not "locked" for the caller. */
  readonly lockId?: string | null;
}

export interface BulkResult {
  /** The db ids the operation changed (or would change, with dryRun), ascending. */
  readonly dbIds: string[];
  /** How many jobs the selection matched. */
  readonly matched: number;
  readonly dryRun: boolean;
}

export interface Lease {
  readonly lockId: string;
  readonly holder: string;
  readonly lockedSince: Instant;
  readonly expiresAt: Instant;
  readonly jobDbId: string | null;
  readonly flowUuid: string | null;
}

/**
 * One job of an addFlow or of a dynamic response. With `documentJson` (the serialized jobflow Job, JobDoc.job) the
 * document is the one source of uuid, index, name, hosts, metadata, on_missing_references and the manager config;
 * without it (the old form) those come from the fields.
 */
export interface JobInput {
  readonly documentJson?: string | null;
  /** addFlow: iterflow's parents (derived from the references when omitted). Response: jobs of the same part. */
  readonly parents?: readonly string[] | null;
  readonly uuid?: string | null;
  readonly index?: number | null;
  readonly name?: string | null;
  /** Uuids of the sub-flows enclosing the job, innermost first (the old form appends the flow's own uuid). */
  readonly hosts?: readonly string[] | null;
  readonly metadata?: Record<string, unknown> | null;
  readonly onMissingReferences?: string | null;
  readonly worker?: string | null;
  readonly execConfig?: unknown;
  readonly resources?: Record<string, unknown> | null;
  readonly priority?: number | null;
}

/** The fields a job with `documentJson` must leave out: the document (and its manager config) has them. */
export const DOCUMENT_FIELDS = [
  "uuid",
  "index",
  "name",
  "hosts",
  "metadata",
  "onMissingReferences",
  "worker",
  "execConfig",
  "resources",
  "priority",
] as const satisfies readonly (keyof JobInput)[];

/** add_flow's run settings: defaults for every job (a job's own value wins, §3.1). */
export interface RunDefaults {
  readonly worker?: string | null;
  readonly execConfig?: unknown;
  readonly resources?: Record<string, unknown> | null;
  readonly priority?: number | null;
}

export interface FlowInput extends RunDefaults {
  readonly uuid?: string | null;
  readonly name: string;
  readonly metadata?: Record<string, unknown> | null;
  readonly jobs: readonly JobInput[];
  /** Flow.as_dict() with each job replaced by `{"@hubql_job": {"uuid", "index"}}`, as JSON text. */
  readonly documentJson?: string | null;
  /** add_flow(allow_external_references): references to jobs outside the flow are accepted (not parents). */
  readonly allowExternalReferences?: boolean | null;
}

export const ON_MISSING_REFERENCES = ["error", "none", "pass"] as const;
