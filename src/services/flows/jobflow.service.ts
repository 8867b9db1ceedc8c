import type { ServiceContext } from "../service-context";
import { JobflowLeases } from "./leases";
import { JobOperations } from "./operations";
import { type JobflowProject, loadJobflowProject } from "./project";
import { JobflowReads } from "./reads";
import { JobRunner } from "./runner";
import { JobflowStore } from "./store";
import { FlowSubmission } from "./submission";

/** jobflow-remote's JobController (jobflow-remote.md), split by concern; the resolvers call these parts directly. */
export class JobflowService {
  readonly project: JobflowProject;
  readonly reads: JobflowReads;
  readonly submission: FlowSubmission;
  readonly operations: JobOperations;
  readonly runner: JobRunner;
  readonly leases: JobflowLeases;

  constructor(ctx: ServiceContext, project: JobflowProject = loadJobflowProject()) {
    const store = new JobflowStore(ctx, project);
    this.project = project;
    this.reads = new JobflowReads(store);
    this.submission = new FlowSubmission(store);
    this.operations = new JobOperations(store);
    this.runner = new JobRunner(store);
    this.leases = new JobflowLeases(store);
  }
}
