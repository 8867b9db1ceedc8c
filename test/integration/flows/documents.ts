/**
 * jobflow documents built as JSON *text* (as `hubql_jobflow` sends them), so numbers like `1.0`, `2**60 + 1` and
 * `1e+16` stay as written, and helpers to submit and run flows of them through the GraphQL API.
 */
import { randomUUID } from "node:crypto";

import type { GqlResult } from "../../support/gateway";
import type { JobflowDriver } from "./support";

const text = (value: string) => JSON.stringify(value);

/** A serialized OutputReference: `ref(uuid, ["i", "x"])` is `job.output["x"]`. */
export function ref(uuid: string, ...attributes: [string, string | number][]): string {
  return `{"@module":"jobflow.core.reference","@class":"OutputReference","@version":null,"uuid":${text(uuid)},"attributes":${JSON.stringify(attributes)},"output_schema":null}`;
}

export interface DocSpec {
  readonly uuid: string;
  readonly index?: number;
  readonly name?: string;
  /** Enclosing flows, innermost first; the stored flow's uuid last. */
  readonly hosts: readonly string[];
  /** JSON text of `function_args` / `function_kwargs` / `metadata`. */
  readonly args?: string;
  readonly kwargs?: string;
  readonly metadata?: string;
  readonly onMissingReferences?: string;
  /** JSON text of `config.manager_config`. */
  readonly manager?: string;
}

/** The serialized jobflow Job (`jsanitize(job, strict=True, enum_values=True)`) as JSON text. */
export function jobDoc(spec: DocSpec): string {
  const config = `{"@module":"jobflow.core.job","@class":"JobConfig","@version":"0.3.1","resolve_references":true,"on_missing_references":${text(spec.onMissingReferences ?? "error")},"manager_config":${spec.manager ?? "{}"},"expose_store":false,"pass_manager_config":true,"response_manager_config":{}}`;
  return (
    `{"@module":"jobflow.core.job","@class":"Job","@version":"0.3.1",` +
    `"function":{"@module":"hubql_test_flows","@callable":"add","@bound":null},` +
    `"function_args":${spec.args ?? "[]"},"function_kwargs":${spec.kwargs ?? "{}"},"output_schema":null,` +
    `"uuid":${text(spec.uuid)},"index":${spec.index ?? 1},"name":${text(spec.name ?? "add")},` +
    `"metadata":${spec.metadata ?? "{}"},"config":${config},"hosts":${JSON.stringify(spec.hosts)},` +
    `"metadata_updates":[],"config_updates":[],"name_updates":[]}`
  );
}

/** The flow skeleton: `Flow.as_dict()` with each member job as a placeholder (`members` is JSON text). */
export function flowDoc(uuid: string, members: string, extra = `"name":"Flow","order":"auto","metadata":{}`): string {
  return `{"@module":"jobflow.core.flow","@class":"Flow","@version":"0.3.1",${extra},"jobs":${members},"output":null,"uuid":${text(uuid)},"hosts":[],"metadata_updates":[]}`;
}

export const placeholder = (uuid: string, index = 1) => `{"@hubql_job":{"uuid":${text(uuid)},"index":${index}}}`;

export interface DocJob {
  readonly documentJson: string;
  readonly parents?: readonly string[];
}

export const ADD_FLOW = `mutation($flow: FlowInput!) { addFlow(flow: $flow) { uuid ids { dbId uuid index } } }`;

export function addFlow(
  jf: JobflowDriver,
  flow: Record<string, unknown>,
): Promise<GqlResult<{ addFlow: { uuid: string; ids: { dbId: string; uuid: string; index: number }[] } }>> {
  return jf.gw.gql(ADD_FLOW, { flow: { name: "f", ...flow } });
}

/** Adds a flow of documents (a fresh flow uuid unless given) and answers the db id of each job, in order. */
export async function addDocFlow(
  jf: JobflowDriver,
  jobs: (flowUuid: string) => readonly DocJob[],
  extra: Record<string, unknown> = {},
): Promise<{ uuid: string; dbIds: string[] }> {
  const uuid = (extra["uuid"] as string | undefined) ?? `flow-${randomUUID()}`;
  const result = await addFlow(jf, { ...extra, uuid, jobs: jobs(uuid) });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return { uuid, dbIds: (result.data?.addFlow.ids ?? []).map((id) => id.dbId) };
}

/** A fresh uuid with a readable prefix. */
export const uid = (name: string) => `${name}-${randomUUID()}`;

export interface RowView {
  dbId: string;
  uuid: string;
  index: number;
  name: string;
  state: string;
  parentUuids: string[];
  flowParentUuids: string[];
}

/** Every row of a flow in db-id order. */
export async function flowRows(jf: JobflowDriver, flowUuid: string): Promise<RowView[]> {
  const data = await jf.gw.ok<{ jobs: { edges: { node: RowView }[] } }>(
    `query($f: String!) { jobs(query: { flowIds: [$f] }) { edges { node { dbId uuid index name state parentUuids flowParentUuids } } } }`,
    { f: flowUuid },
  );
  return data.jobs.edges.map((edge) => edge.node);
}

/** checkoutJob restricted to a flow: which job a worker gets next. */
export async function checkoutNext(jf: JobflowDriver, flowUuid: string): Promise<RowView | null> {
  const data = await jf.gw.ok<{ checkoutJob: RowView | null }>(
    `mutation($f: String) { checkoutJob(flowUuid: $f) { dbId uuid index name state parentUuids flowParentUuids } }`,
    { f: flowUuid },
  );
  return data.checkoutJob;
}

/** Completes a checked-out job (no runner steps: a local worker may complete from CHECKED_OUT). */
export async function completeWith(jf: JobflowDriver, dbId: string, response: Record<string, unknown> = {}) {
  const result = await jf.complete(dbId, true, { response });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data?.completeJob;
}
