import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";
import { Field, InputType, Int } from "type-graphql";

@InputType({
  description:
    "A job of a new flow or of a dynamic response: jobflow's serialized Job as `documentJson`, or the old form (the fields, no document).",
})
export class JobInput {
  @Field(() => String, {
    nullable: true,
    description:
      "jobflow's serialized Job (JobDoc.job) as JSON text, stored and returned verbatim. Its uuid, index, name, hosts, metadata, config.on_missing_references and config.manager_config are the job's: leave those fields out.",
  })
  documentJson?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Parent job uuids. addFlow: jobs of the flow (with documentJson: derived from the references when omitted). A dynamic response: jobs of the same part; empty or omitted inherits (replace: the completed job's parents, addition/detour: the completed job).",
  })
  parents?: string[] | null;

  @Field(() => String, { nullable: true, description: "Old form: generated when omitted." })
  uuid?: string | null;

  @Field(() => Int, { nullable: true, description: "Old form: 1 when omitted." })
  index?: number | null;

  @Field(() => String, { nullable: true, description: "Old form: required." })
  name?: string | null;

  @Field(() => [String], {
    nullable: true,
    description:
      "Old form: uuids of the sub-flows enclosing the job, innermost first; the flow's own uuid is added last.",
  })
  hosts?: string[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: "Old form: 'error' (default), 'none' or 'pass'." })
  onMissingReferences?: string | null;

  @Field(() => String, { nullable: true })
  worker?: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  execConfig?: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;
}

@InputType()
export class FlowInput {
  @Field(() => String, {
    nullable: true,
    description: "Generated when omitted; required when the flow or its jobs have documents.",
  })
  uuid?: string | null;

  @Field()
  name!: string;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;

  @Field(() => [JobInput])
  jobs!: JobInput[];

  @Field(() => String, { nullable: true, description: "Default worker of every job." })
  worker?: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  execConfig?: unknown;

  @Field(() => GraphQLJSONObject, { nullable: true })
  resources?: Record<string, unknown> | null;

  @Field(() => Int, { nullable: true })
  priority?: number | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Flow.as_dict() with each job replaced by {"@hubql_job": {"uuid": …, "index": n}}, as JSON text; Flow.documentJson returns it with the jobs put back.',
  })
  documentJson?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      "add_flow(allow_external_references): references to jobs outside the flow are accepted (not as parents).",
  })
  allowExternalReferences?: boolean | null;
}

@InputType({ description: "A jobflow Response: output, stored data, dynamic jobs, stop requests." })
export class JobResponseInput {
  @Field(() => String, {
    nullable: true,
    description: "The job's stored output (JobStoreDocument.output) as JSON text, stored and returned verbatim.",
  })
  outputJson?: string | null;

  @Field(() => GraphQLJSON, {
    nullable: true,
    description: "The output as a JSON value (the old form); not with outputJson.",
  })
  output?: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  storedData?: unknown;

  @Field(() => [JobInput], {
    nullable: true,
    description:
      "Response.replace as jobs (a Flow's iterflow, with the store_inputs job at this uuid and the next index). One old-form entry takes this uuid, the next index and this job's parents.",
  })
  replace?: JobInput[] | null;

  @Field(() => [JobInput], { nullable: true, description: "New jobs; their roots wait for this job." })
  addition?: JobInput[] | null;

  @Field(() => [JobInput], {
    nullable: true,
    description: "Like addition; the jobs waiting for this job also wait for the new leaves.",
  })
  detour?: JobInput[] | null;

  @Field(() => Boolean, { nullable: true })
  stopChildren?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  stopJobflow?: boolean | null;
}
