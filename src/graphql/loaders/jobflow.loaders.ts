import DataLoader from "dataloader";

import type { Services } from "../../services";
import type { FlowNode, JobNode } from "../../services/flows/jobflow.model";

/**
 * Per-request batch loaders of flows and jobs: each relation field (Flow.jobs, Job.flow, Job.parents, Job.children),
 * each exact-text field (Job.documentJson, Job.outputJson, Flow.documentJson) and each `_entities` key costs one
 * SQL statement per request (two for flow documents), whatever the number of parents.
 */
export class JobflowLoaders {
  readonly jobByDbId: DataLoader<string, JobNode | null>;
  readonly jobByUuidIndex: DataLoader<{ uuid: string; index: number | null }, JobNode | null, string>;
  readonly flow: DataLoader<string, FlowNode | null>;
  readonly flowJobs: DataLoader<string, JobNode[]>;
  readonly parents: DataLoader<string, JobNode[]>;
  readonly children: DataLoader<string, JobNode[]>;
  /** Exact-text columns, read only when selected on a job the other loaders brought (they leave them out). */
  readonly jobDocument: DataLoader<string, string | null>;
  readonly jobOutput: DataLoader<string, string | null>;
  /** A flow's document with its jobs' documents put back. */
  readonly flowDocument: DataLoader<string, string | null>;

  constructor(services: Services) {
    const reads = services.flows.reads;
    this.jobByDbId = new DataLoader((ids) => reads.jobsByDbId(ids));
    this.jobByUuidIndex = new DataLoader((keys) => reads.jobsByUuidIndex(keys), {
      cacheKeyFn: (key) => `${key.uuid}#${key.index ?? ""}`,
    });
    this.flow = new DataLoader((uuids) => reads.flowsByUuid(uuids));
    this.flowJobs = new DataLoader((uuids) => reads.jobsOfFlows(uuids));
    this.parents = new DataLoader((ids) => reads.parentsOf(ids));
    this.children = new DataLoader((ids) => reads.childrenOf(ids));
    this.jobDocument = new DataLoader((ids) => reads.jobTexts(ids, "documentJson"));
    this.jobOutput = new DataLoader((ids) => reads.jobTexts(ids, "outputJson"));
    this.flowDocument = new DataLoader((uuids) => reads.flowDocuments(uuids));
  }
}
