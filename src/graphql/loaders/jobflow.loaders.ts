import DataLoader from "dataloader";

import type { Services } from "../../services";
import type { FlowNode, JobNode } from "../../services/flows/jobflow.model";

/**
 * Per-request batch loaders of flows and jobs: each relation field (Flow.jobs, Job.flow, Job.parents, Job.children)
 * and each `_entities` key costs one SQL statement per request, whatever the number of parents.
 */
export class JobflowLoaders {
  readonly jobByDbId: DataLoader<string, JobNode | null>;
  readonly jobByUuidIndex: DataLoader<{ uuid: string; index: number | null }, JobNode | null, string>;
  readonly flow: DataLoader<string, FlowNode | null>;
  readonly flowJobs: DataLoader<string, JobNode[]>;
  readonly parents: DataLoader<string, JobNode[]>;
  readonly children: DataLoader<string, JobNode[]>;

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
  }
}
