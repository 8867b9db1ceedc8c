import { registerEnumType } from "type-graphql";

import { FLOW_SORT_FIELDS, JOB_SORT_FIELDS } from "../../services/flows/jobflow.model";
import { FLOW_STATES, JOB_STATES } from "../../services/flows/states";

const enumOf = <T extends string>(names: readonly T[]) =>
  Object.fromEntries(names.map((name) => [name, name])) as { [K in T]: K };

/** jobflow-remote's JobState and FlowState (jobflow-remote.md §1), one list with the service layer. */
export const JobState = enumOf(JOB_STATES);
export const FlowState = enumOf(FLOW_STATES);
export const JobOrderField = enumOf(Object.keys(JOB_SORT_FIELDS) as (keyof typeof JOB_SORT_FIELDS)[]);
export const FlowOrderField = enumOf(Object.keys(FLOW_SORT_FIELDS) as (keyof typeof FLOW_SORT_FIELDS)[]);

registerEnumType(JobState, { name: "JobState", description: "jobflow-remote's JobState (docs/flows-and-jobs.md)." });
registerEnumType(FlowState, {
  name: "FlowState",
  description: "jobflow-remote's FlowState, derived from the job states.",
});
registerEnumType(JobOrderField, { name: "JobOrderField", description: "DB_ID sorts numerically." });
registerEnumType(FlowOrderField, { name: "FlowOrderField" });
