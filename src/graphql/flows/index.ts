import { FlowResolver } from "./flow.resolver";
import { JobResolver } from "./job.resolver";
import { JobflowMutationsResolver } from "./jobflow-mutations.resolver";

export { JobflowLoaders } from "./loaders";

/** The flows-and-jobs resolver classes (docs/flows-and-jobs.md). */
export const JOBFLOW_RESOLVERS = [FlowResolver, JobResolver, JobflowMutationsResolver];
