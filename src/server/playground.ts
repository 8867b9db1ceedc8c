import { PLAYGROUND_FETCHER } from "./playground-fetcher";

/**
 * The playground: GraphiQL rendered from the `@graphql-yoga/render-graphiql` package, one self-contained HTML page
 * (scripts, styles and editor workers inline) — nothing is fetched from a CDN, so it works on a machine without
 * internet access (stack-notes.md §4). The package is loaded when the page is first asked for, then the page is
 * rendered once and cached: loaded at start-up it held about 40 MiB of every server's memory (measured), opened
 * or not.
 */

export interface PlaygroundTab {
  readonly query: string;
  readonly variables?: string;
}

const AUTH_HINT = `# Auth: with tokens on, open "Headers" below and enter
#   {"Authorization": "Bearer <token>"}`;

/** One ready-to-run example per area, each in its own tab (test/browser checks they validate and run). */
export const PLAYGROUND_TABS: readonly PlaygroundTab[] = [
  {
    query: `# Task records (IPython Hub): unfinished, oldest first.
# Run with Ctrl+Enter or the pink button.
${AUTH_HINT}
query UnfinishedTasks($first: Int) {
  taskRecords(
    filter: { completed: null }
    orderBy: [{ field: SUBMITTED, direction: ASC }]
    first: $first
  ) {
    totalCount
    edges { node { msgId label queue engineUuid submitted started } }
    pageInfo { hasNextPage endCursor }
  }
}
`,
    variables: `{ "first": 20 }`,
  },
  {
    query: `# Task records by a MongoDB-style filter (docs/filter.md).
# Operators such as $gte are not GraphQL names, so filters with
# operators go in the Variables pane as JSON.
# dbQuery is IPython's db_query: records as snake_case dicts.
${AUTH_HINT}
query FindTasks($filter: Filter!, $keys: [String!]) {
  taskRecords(filter: $filter, first: 20) {
    totalCount
    edges { node { msgId label submitted completed error } }
  }
  asDicts: dbQuery(query: $filter, keys: $keys)
}
`,
    variables: `{
  "filter": { "submitted": { "$gte": "2026-01-01T00:00:00Z" }, "engineUuid": { "$ne": null } },
  "keys": ["msg_id", "engine_uuid", "completed"]
}`,
  },
  {
    query: `# Flows and jobs (jobflow-remote): flows with their jobs, and
# jobs by state. Runners check jobs out with checkoutJob.
${AUTH_HINT}
query FlowsAndJobs($states: [JobState!]) {
  flows(first: 10) {
    totalCount
    edges { node { uuid name state jobs { dbId name state worker } } }
  }
  jobs(query: { states: $states }, first: 20) {
    totalCount
    edges { node { dbId uuid index name state flowUuid lockHolder updatedOn } }
  }
  jobStateCounts { state count }
}
`,
    variables: `{ "states": ["READY", "RUNNING", "FAILED"] }`,
  },
  {
    query: `# Live changes (docs/subscriptions.md): runs until you stop it.
# Start it, then change a job (checkoutJob, a runner step …) from
# another tab or client: each change matching the filter appears.
${AUTH_HINT}
subscription JobChanges($filter: Filter) {
  jobChanged(filter: $filter) {
    kind
    dbId
    job { name state worker updatedOn flow { name } }
  }
}
`,
    variables: `{ "filter": { "state": { "$in": ["READY", "CHECKED_OUT", "RUNNING", "COMPLETED", "FAILED"] } } }`,
  },
  {
    query: `# Queue (Scale): the queue in scheduler order, and its status
# per job type.
${AUTH_HINT}
query Queue($orderMode: QueueOrderMode!) {
  queue(orderMode: $orderMode, first: 20) {
    totalCount
    edges { node { id jobId exeNum priority queued jobType { name version } } }
  }
  queueStatus { count highestPriority longestQueued jobType { name version } }
}
`,
    variables: `{ "orderMode": "FIFO" }`,
  },
];

let page: string | undefined;

export async function playgroundHtml(): Promise<string> {
  if (page) return page;
  const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
  page = withFetcher(
    renderGraphiQL({
      endpoint: "/graphql",
      title: "hubql playground",
      defaultTabs: PLAYGROUND_TABS.map((tab) => ({
        query: tab.query,
        variables: tab.variables ?? null,
        headers: "{}",
      })),
      // The Headers editor takes {"Authorization": "Bearer <token>"}; tokens are not written to the browser's storage.
      headers: "{}",
      shouldPersistHeaders: false,
      isHeadersEditorEnabled: true,
      defaultEditorToolsVisibility: "variables",
    }),
  );
  return page;
}

/** GraphiQL rendered through hubql's fetcher (playground-fetcher.ts): subscriptions authenticate at connection_init. */
function withFetcher(html: string): string {
  // The page's own call is the last one; the fetcher's script (inserted after) calls the original itself.
  const call = "YogaGraphiQL.renderYogaGraphiQL(";
  const render = html.lastIndexOf(call);
  const head = html.indexOf("</head>");
  if (render < head || head < 0)
    throw new Error("@graphql-yoga/render-graphiql changed its page: update playground.ts");
  const called = `${html.slice(0, render)}hubqlRender(${html.slice(render + call.length)}`;
  return `${called.slice(0, head)}<script>${PLAYGROUND_FETCHER}</script>${called.slice(head)}`;
}
