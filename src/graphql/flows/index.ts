import { FlowResolver } from "./flow.resolver";
import { JobResolver } from "./job.resolver";
import { FlowMutationsResolver } from "./flow-mutations.resolver";
import { JobMutationsResolver } from "./job-mutations.resolver";
import { LeaseResolver } from "./lease.resolver";

/** The flows-and-jobs resolver classes (docs/flows-and-jobs.md). */
export const JOBFLOW_RESOLVERS = [
  FlowResolver,
  JobResolver,
  FlowMutationsResolver,
  JobMutationsResolver,
  LeaseResolver,
];
