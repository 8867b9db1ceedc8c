/** GraphQL operations and seeding helpers shared by the queue suites (scale-queue.md). */
import type { TestGateway } from "../../support/gateway";

export const CREATE_TYPE = `mutation T($input: JobTypeInput!) { createJobType(input: $input) { id name version maxTries isPaused } }`;
export const UPDATE_TYPE = `mutation U($id: Int!, $patch: JobTypePatch!) { updateJobType(id: $id, patch: $patch) { id isPaused } }`;
export const CREATE_JOBS = `mutation J($jobs: [ScaleJobInput!]!, $queue: Boolean) {
  createScaleJobs(jobs: $jobs, queue: $queue) { id status numExes maxTries }
}`;
const OUTCOME_FIELDS = `dryRun queuedCount uncanceledCount canceledCount skippedCount
  outcomes { jobId action reason exeNum priority job { id status numExes maxTries } }`;
export const QUEUE_JOBS = `mutation Q($jobs: [ScaleJobReference!]!, $priority: Int, $dryRun: Boolean) {
  queueJobs(jobs: $jobs, priority: $priority, dryRun: $dryRun) { ${OUTCOME_FIELDS} }
}`;
export const REQUEUE_JOBS = `mutation R($jobs: [ScaleJobReference!], $filter: Filter, $all: Boolean, $priority: Int, $dryRun: Boolean, $maxLimit: Int) {
  requeueJobs(jobs: $jobs, filter: $filter, all: $all, priority: $priority, dryRun: $dryRun, maxLimit: $maxLimit) { ${OUTCOME_FIELDS} }
}`;
export const CANCEL_JOBS = `mutation C($jobs: [ScaleJobReference!], $filter: Filter, $all: Boolean, $dryRun: Boolean, $maxLimit: Int) {
  cancelQueuedJobs(jobs: $jobs, filter: $filter, all: $all, dryRun: $dryRun, maxLimit: $maxLimit) { ${OUTCOME_FIELDS} }
}`;
export const QUEUE = `query Queue($orderMode: QueueOrderMode, $ignore: [Int!], $filter: Filter, $first: Int, $after: String) {
  queue(orderMode: $orderMode, ignoreJobTypeIds: $ignore, filter: $filter, first: $first, after: $after) {
    totalCount
    edges { cursor node { id jobId jobTypeId exeNum priority queued isCanceled } }
    pageInfo { hasNextPage endCursor }
  }
}`;
export const CLAIM = `mutation Claim($limit: Int, $ignore: [Int!], $orderMode: QueueOrderMode) {
  claimQueueEntry(limit: $limit, ignoreJobTypeIds: $ignore, orderMode: $orderMode) { id jobId jobTypeId priority isCanceled exeNum }
}`;
export const STATUS = `{ queueStatus { jobTypeId count longestQueued highestPriority jobType { id name isPaused isSystem unmetResources } } }`;
export const CALCULATE = `mutation { calculateJobLoad { id jobTypeId measured pendingCount queuedCount runningCount totalCount } }`;
export const JOB_LOAD = `query L($started: String, $ended: String, $ids: [Int!], $names: [String!]) {
  jobLoad(started: $started, ended: $ended, jobTypeIds: $ids, jobTypeNames: $names) { time pendingCount queuedCount runningCount }
}`;
export const JOB = `query J($id: Int!) { scaleJob(id: $id) { id status numExes maxTries } }`;

export interface Outcome {
  jobId: number;
  action: string;
  reason: string | null;
  exeNum: number | null;
  priority: number | null;
  job: { id: number; status: string; numExes: number; maxTries: number } | null;
}
export interface OperationResult {
  dryRun: boolean;
  queuedCount: number;
  uncanceledCount: number;
  canceledCount: number;
  skippedCount: number;
  outcomes: Outcome[];
}
export interface EntryNode {
  id: number;
  jobId: number;
  jobTypeId: number;
  exeNum: number;
  priority: number;
  queued: string;
  isCanceled: boolean;
}

let typeCounter = 0;

export async function createType(gw: TestGateway, input: Record<string, unknown> = {}): Promise<number> {
  const data = await gw.ok<{ createJobType: { id: number } }>(CREATE_TYPE, {
    input: { name: `type-${++typeCounter}`, version: "1.0.0", ...input },
  });
  return data.createJobType.id;
}

export const INPUT = { files: { input_file: [1] } };

export async function createJobs(gw: TestGateway, jobs: Record<string, unknown>[], queue = false): Promise<number[]> {
  const data = await gw.ok<{ createScaleJobs: { id: number }[] }>(CREATE_JOBS, { jobs, queue });
  return data.createScaleJobs.map((job) => job.id);
}

export async function job(gw: TestGateway, id: number) {
  return (await gw.ok<{ scaleJob: { id: number; status: string; numExes: number; maxTries: number } }>(JOB, { id }))
    .scaleJob;
}

export async function queueEntries(gw: TestGateway, variables: Record<string, unknown> = {}): Promise<EntryNode[]> {
  const data = await gw.ok<{ queue: { edges: { node: EntryNode }[] } }>(QUEUE, { first: 1000, ...variables });
  return data.queue.edges.map((edge) => edge.node);
}

export async function queueJobs(gw: TestGateway, jobs: { jobId: number; exeNum?: number }[], priority?: number | null) {
  return (await gw.ok<{ queueJobs: OperationResult }>(QUEUE_JOBS, { jobs, priority })).queueJobs;
}

export async function requeueJobs(gw: TestGateway, variables: Record<string, unknown>) {
  return (await gw.ok<{ requeueJobs: OperationResult }>(REQUEUE_JOBS, variables)).requeueJobs;
}

/** Removes every entry so a case starts from an empty queue (the store is shared within a dialect's suite). */
export async function drainQueue(gw: TestGateway): Promise<void> {
  await gw.services.context.requireDb().run(`DELETE FROM "scale_queue"`);
}
