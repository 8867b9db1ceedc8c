import DataLoader from "dataloader";

import type { Services } from "../../services";
import type { FlowNode, JobNode } from "../../services/flows/jobflow.model";
import type { JobflowReads } from "../../services/flows/reads";
import { SelectiveLoader } from "./selective-loader";

/** The relations of a job a read can fetch along with it, and the properties each needs (column pruning). */
export interface JobRelations {
  readonly parents?: readonly string[];
  readonly children?: readonly string[];
}

type Relation = keyof JobRelations;

/** Which relation of which job: its parents by its db id, its children by its uuid. */
interface RelationKey {
  readonly relation: Relation;
  readonly key: string;
}

/** Relations fetched with a level of jobs: the rows, and the properties they were read with. */
interface Fetched {
  readonly fields: readonly string[];
  parents?: JobNode[];
  children?: JobNode[];
}

/**
 * Per-request batch loaders of flows and jobs: each relation level (Flow.jobs; Job.parents and Job.children
 * together; Job.flow) and each `_entities` key kind costs one SQL statement per request, whatever the number of
 * parents, reading only the columns the selections ask for. Each exact-text field (Job.documentJson,
 * Job.outputJson, Flow.documentJson) asked on a job read without it costs one more (two for flow documents).
 *
 * A level of jobs read through Flow.jobs also fetches, right after, the parents and children its selection asks
 * for (the same one statement that level would cost), and Job.parents/children answer from them without a promise
 * per job: graphql-js's per-object promise bookkeeping for 1,000 jobs with two async fields was most of the nested
 * read's memory in flight (2.3 MB per request on Postgres, measured) and a third of its CPU.
 */
export class JobflowLoaders {
  readonly jobByDbId: SelectiveLoader<string, JobNode | null>;
  readonly jobByUuidIndex: SelectiveLoader<{ uuid: string; index: number | null }, JobNode | null>;
  readonly flow: SelectiveLoader<string, FlowNode | null>;
  /** Job.parents and Job.children in one statement per level (when not fetched with their level). */
  readonly relatives: SelectiveLoader<RelationKey, JobNode[]>;
  private readonly flowJobs: SelectiveLoader<string, JobNode[]>;
  /** Relations the loads of the next Flow.jobs batch asked for, and the properties they need. */
  private pendingRelations = new Map<Relation, Set<string>>();
  private readonly fetched = new WeakMap<JobNode, Fetched>();
  /** Exact-text columns, read only when selected on a job read without them. */
  readonly jobDocument: DataLoader<string, string | null>;
  readonly jobOutput: DataLoader<string, string | null>;
  /** A flow's document with its jobs' documents put back. */
  readonly flowDocument: DataLoader<string, string | null>;

  constructor(services: Services) {
    const reads = services.flows.reads;
    this.jobByDbId = new SelectiveLoader((ids, fields) => reads.jobsByDbId(ids, fields));
    this.jobByUuidIndex = new SelectiveLoader(
      (keys, fields) => reads.jobsByUuidIndex(keys, fields),
      (key) => `${key.uuid}#${key.index ?? ""}`,
    );
    this.flow = new SelectiveLoader((uuids, fields) => reads.flowsByUuid(uuids, fields));
    this.flowJobs = new SelectiveLoader(async (uuids, fields) => {
      const relations = this.pendingRelations;
      this.pendingRelations = new Map();
      // Children are keyed by their parent's uuid.
      const jobs = await reads.jobsOfFlows(uuids, relations.has("children") ? [...fields, "uuid"] : fields);
      await this.fetchRelations(reads, jobs.flat(), relations);
      return jobs;
    });
    this.relatives = new SelectiveLoader(
      async (keys, fields) => {
        const of = { parents: [] as string[], children: [] as string[] };
        const at = keys.map(({ relation, key }) => of[relation].push(key) - 1);
        const found = await reads.relatives(of, fields);
        return keys.map(({ relation }, i) => found[relation][at[i] as number] ?? []);
      },
      (key) => `${key.relation}:${key.key}`,
    );
    this.jobDocument = new DataLoader((ids) => reads.jobTexts(ids, "documentJson"));
    this.jobOutput = new DataLoader((ids) => reads.jobTexts(ids, "outputJson"));
    this.flowDocument = new DataLoader((uuids) => reads.flowDocuments(uuids));
  }

  /** The jobs of a flow, with the relations `relations` names fetched along (see the class comment). */
  jobsOfFlow(flowUuid: string, fields: readonly string[], relations: JobRelations = {}): Promise<JobNode[]> {
    for (const relation of ["parents", "children"] as const) {
      const needed = relations[relation];
      if (!needed) continue;
      const pending = this.pendingRelations.get(relation) ?? new Set<string>();
      for (const field of needed) pending.add(field);
      this.pendingRelations.set(relation, pending);
    }
    return this.flowJobs.load(flowUuid, fields);
  }

  /** A job's parents or children: fetched with its level when they were, else one batched statement per level. */
  relationOf(job: JobNode, relation: Relation, fields: readonly string[]): JobNode[] | Promise<JobNode[]> {
    const fetched = this.fetched.get(job);
    const rows = fetched?.[relation];
    if (rows && fields.every((field) => fetched.fields.includes(field))) return rows;
    const key = relation === "parents" ? job.dbId : job.uuid;
    if (key === undefined) throw new Error(`'uuid' was not read for Job.${relation}`);
    return this.relatives.load({ relation, key }, fields);
  }

  private async fetchRelations(
    reads: JobflowReads,
    jobs: readonly JobNode[],
    relations: ReadonlyMap<Relation, ReadonlySet<string>>,
  ): Promise<void> {
    if (relations.size === 0 || jobs.length === 0) return;
    const fields = [...new Set([...relations.values()].flatMap((set) => [...set]))];
    const found = await reads.relatives(
      {
        parents: relations.has("parents") ? jobs.map((job) => job.dbId) : [],
        children: relations.has("children") ? jobs.map((job) => job.uuid ?? "") : [],
      },
      fields,
    );
    jobs.forEach((job, i) => {
      const entry: Fetched = { fields };
      if (relations.has("parents")) entry.parents = found.parents[i] ?? [];
      if (relations.has("children")) entry.children = found.children[i] ?? [];
      this.fetched.set(job, entry);
    });
  }
}
