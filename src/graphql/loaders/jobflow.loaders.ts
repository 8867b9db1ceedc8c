import DataLoader from "dataloader";

import type { Services } from "../../services";
import type { FlowNode, JobNode } from "../../services/flows/jobflow.model";
import type { JobRelationKey } from "../../services/flows/reads";
import { SelectiveLoader } from "./selective-loader";

/**
 * Per-request batch loaders of flows and jobs: each relation level (Flow.jobs; Job.parents and Job.children
 * together; Job.flow) and each `_entities` key kind costs one SQL statement per request, whatever the number of
 * parents, reading only the columns the selections ask for. Each exact-text field (Job.documentJson,
 * Job.outputJson, Flow.documentJson) asked on a job read without it costs one more (two for flow documents).
 */
export class JobflowLoaders {
  readonly jobByDbId: SelectiveLoader<string, JobNode | null>;
  readonly jobByUuidIndex: SelectiveLoader<{ uuid: string; index: number | null }, JobNode | null>;
  readonly flow: SelectiveLoader<string, FlowNode | null>;
  readonly flowJobs: SelectiveLoader<string, JobNode[]>;
  /** Job.parents and Job.children in one statement per level. */
  readonly relatives: SelectiveLoader<JobRelationKey, JobNode[]>;
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
    this.flowJobs = new SelectiveLoader((uuids, fields) => reads.jobsOfFlows(uuids, fields));
    this.relatives = new SelectiveLoader(
      (keys, fields) => reads.relatives(keys, fields),
      (key) => `${key.relation}:${key.key}`,
    );
    this.jobDocument = new DataLoader((ids) => reads.jobTexts(ids, "documentJson"));
    this.jobOutput = new DataLoader((ids) => reads.jobTexts(ids, "outputJson"));
    this.flowDocument = new DataLoader((uuids) => reads.flowDocuments(uuids));
  }
}
