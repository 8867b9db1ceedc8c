import type { ServiceContext } from "../shared/service-context";
import { JobflowLeases } from "./leases";
import { JobOperations } from "./operations";
import type { JobflowProject } from "./project";
import { JobflowReads } from "./reads";
import { JobRunner } from "./runner";
import { JobflowStore } from "./store";
import { FlowSubmission } from "./submission";

/** jobflow-remote's JobController (jobflow-remote.md), split by concern; the resolvers call these parts directly. */
export class FlowsService {
  readonly project: JobflowProject;
  readonly reads: JobflowReads;
  readonly submission: FlowSubmission;
  readonly operations: JobOperations;
  readonly runner: JobRunner;
  readonly leases: JobflowLeases;

  constructor(ctx: ServiceContext) {
    const store = new JobflowStore(ctx, ctx.config.jobflow);
    this.project = ctx.config.jobflow;
    this.reads = new JobflowReads(store);
    this.submission = new FlowSubmission(store);
    this.operations = new JobOperations(store);
    this.runner = new JobRunner(store);
    this.leases = new JobflowLeases(store);
  }
}
