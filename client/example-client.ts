/**
 * A small typed hubql client: generated TypedDocumentNodes in, typed results out. It is the example for
 * docs/federation-and-clients.md and is type-checked and run against a live server by test/codegen.
 */
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, print } from "graphql";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

import {
  AddFlowDocument,
  AddTaskRecordsDocument,
  CheckoutJobDocument,
  CountTasksDocument,
  CreateJobTypeDocument,
  CreateScaleJobsDocument,
  type FlowInput,
  JobDocument,
  type JobQuery,
  JobStateChangesDocument,
  type JobSummaryFragment,
  QueueDocument,
  type QueueQuery,
  QueueStatusDocument,
  type QueueStatusQuery,
  type TaskRecordInput,
  type TaskSummaryFragment,
  UnfinishedTasksDocument,
  type UnfinishedTasksQuery,
} from "./generated/operations";

export interface GraphQLErrorPayload {
  message: string;
  path?: (string | number)[];
  extensions?: { code?: string } & Record<string, unknown>;
}

/** A failed operation; `code` is the first error's `extensions.code` (docs/errors.md lists them). */
export class HubqlError extends Error {
  constructor(
    readonly errors: GraphQLErrorPayload[],
    readonly status: number,
  ) {
    super(errors.map((error) => error.message).join("; "));
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** Operations whose variables are all optional may leave them out; the others require them. */
type VariablesArg<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export class HubqlClient {
  private readonly printed = new WeakMap<DocumentNode, string>();
  private socket: Client | null = null;

  constructor(
    /** e.g. http://127.0.0.1:4000/graphql */
    private readonly endpoint: string,
    private readonly options: { token?: string } = {},
  ) {}

  async request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<TResult> {
    let query = this.printed.get(document);
    if (query === undefined) this.printed.set(document, (query = print(document)));
    const response = await fetch(this.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        // GraphQL over HTTP: the newer media type first; errors then come with a meaningful HTTP status.
        accept: "application/graphql-response+json, application/json;q=0.9",
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: JSON.stringify({ query, variables: variables ?? {} }),
    });
    const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorPayload[] };
    if (body.errors?.length) throw new HubqlError(body.errors, response.status);
    if (body.data === undefined || body.data === null)
      throw new HubqlError([{ message: `no data (HTTP ${response.status})` }], response.status);
    return body.data;
  }

  /**
   * Runs a subscription over graphql-ws (one WebSocket per client, opened on first use, the token in
   * connection_init). `onResult` gets each typed result; `onEnd` the error that ended it (a HubqlError, e.g.
   * LIMIT_EXCEEDED after a bulk change: re-read and subscribe again) or nothing when it completed. Returns the
   * function that stops it.
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    variables: TVariables,
    onResult: (result: TResult) => void,
    onEnd: (error?: unknown) => void = () => {},
  ): () => void {
    let query = this.printed.get(document);
    if (query === undefined) this.printed.set(document, (query = print(document)));
    this.socket ??= createClient({
      url: this.endpoint.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: this.options.token ? { authorization: `Bearer ${this.options.token}` } : {},
    });
    let ended = false;
    const end = (error?: unknown) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    const stop = this.socket.subscribe<TResult>(
      { query, variables: (variables ?? {}) as Record<string, unknown> },
      {
        next: (result) => {
          if (result.errors?.length) return end(new HubqlError(result.errors as GraphQLErrorPayload[], 200));
          if (result.data) onResult(result.data);
        },
        error: (error) => end(error),
        complete: () => end(),
      },
    );
    return () => {
      ended = true;
      stop();
    };
  }

  /** Closes the subscription socket, if one was opened. */
  async close(): Promise<void> {
    await this.socket?.dispose();
    this.socket = null;
  }
}

/** Adds task records, then walks every unfinished one page by page: the shape of a typical polling client. */
export async function addAndListUnfinished(
  client: HubqlClient,
  records: TaskRecordInput[],
  pageSize = 2,
): Promise<{ added: string[]; unfinished: TaskSummaryFragment[]; total: number }> {
  const { addTaskRecords } = await client.request(AddTaskRecordsDocument, { records });
  const unfinished: TaskSummaryFragment[] = [];
  let after: string | null = null;
  for (;;) {
    // Annotated: `after` feeds the next call's variables, which TypeScript cannot infer through the loop.
    const { taskRecords }: UnfinishedTasksQuery = await client.request(UnfinishedTasksDocument, {
      first: pageSize,
      after,
    });
    unfinished.push(...taskRecords.edges.map((edge) => edge.node));
    if (!taskRecords.pageInfo.hasNextPage) break;
    after = taskRecords.pageInfo.endCursor;
  }
  const { countTaskRecords } = await client.request(CountTasksDocument);
  return { added: addTaskRecords.map((task) => task.msgId), unfinished, total: countTaskRecords };
}

/** Adds a flow, checks out its first runnable job as `holder`, and reads that job back by (uuid, index). */
export async function addFlowAndCheckout(
  client: HubqlClient,
  flow: FlowInput,
  holder: string,
): Promise<{ jobs: JobSummaryFragment[]; checkedOut: JobSummaryFragment | null; job: JobQuery["job"] }> {
  const { addFlow } = await client.request(AddFlowDocument, { flow });
  const { checkoutJob } = await client.request(CheckoutJobDocument, { holder, flowUuid: addFlow.uuid });
  const { job } = checkoutJob
    ? await client.request(JobDocument, { uuid: checkoutJob.uuid, index: checkoutJob.index })
    : { job: null };
  return { jobs: addFlow.jobs, checkedOut: checkoutJob, job };
}

/** Registers a job type (an admin act), creates and queues jobs of it, reads the queue (FIFO) and its status. */
export async function queueJobsOfNewType(
  client: HubqlClient,
  typeName: string,
  inputs: Record<string, unknown>[],
): Promise<{ queue: QueueQuery["queue"]; status: QueueStatusQuery["queueStatus"] }> {
  const { createJobType } = await client.request(CreateJobTypeDocument, {
    input: { name: typeName, version: "1.0.0" },
  });
  await client.request(CreateScaleJobsDocument, {
    jobs: inputs.map((input) => ({ jobTypeId: createJobType.id, input })),
    queue: true,
  });
  const { queue } = await client.request(QueueDocument, { orderMode: "FIFO", first: 50 });
  const { queueStatus } = await client.request(QueueStatusDocument);
  return { queue, status: queueStatus };
}

/**
 * Prints every state a job takes, as it takes it — instead of polling `jobs`: subscribes to `jobChanged` (only jobs
 * matching `filter`, the list's filter language) and prints `<name> (<dbId>): <state>` for each change. Returns
 * the function that stops watching.
 */
export function watchJobStates(
  client: HubqlClient,
  filter: Record<string, unknown> | null,
  printLine: (line: string) => void = (line) => console.log(line),
): () => void {
  return client.subscribe(JobStateChangesDocument, { filter }, ({ jobChanged }) => {
    const { kind, dbId, job } = jobChanged;
    printLine(job ? `${job.name} (${dbId}): ${job.state}` : `${dbId}: ${kind.toLowerCase()}`);
  });
}
