/**
 * Issue 14's PostGraphile rows: hubql against PostGraphile 5 + postgraphile-plugin-connection-filter (tuned) on
 * the same Postgres store, interleaved in one run as `npm run bench` measures: one request each in turn for
 * latency, alternating half-second blocks for throughput. Runs on Node 22 (PostGraphile 5 needs it); hubql runs
 * from its built `dist/` on the Node its native modules were built for (`--hubql-node`, /usr/bin/node).
 *
 *   node compare.mjs [--url postgres://…/db] [--records 300000] [--seconds 5] [--clients 8] [--json]
 *
 * With `--url`, the database hubql's bench loaded (`BENCH_PG_URL=… npm run bench`); given `--records` too, hubql's
 * bench builder first fills it unless it already holds that many. Without `--url`, an embedded Postgres, loaded
 * with `--records` records by hubql's bench builder and deleted at the end. Hubql's build helpers (dist/scripts)
 * supply the queries, the data's filter, the load generator and the process starter, so both sides are measured
 * exactly as hubql's own bench measures its rows.
 */
import { execFileSync, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";

import pg from "pg";

const ROOT = join(import.meta.dirname, "../..");
const require = createRequire(import.meta.url);
const dist = (path) => require(join(ROOT, "dist/scripts", path));
const { LIST_QUERY, NESTED_QUERY } = dist("bench/read-rows.js");
const { listFilter } = dist("bench/dataset.js");
const { graphql, graphqlOperation } = dist("bench/http-client.js");
const { interleavedLatency, interleavedThroughput } = dist("bench/measure.js");
const { startHubql, startNode } = dist("bench/servers.js");
const { figures } = dist("bench/report.js");
const { ratio, verdict } = dist("bench/row.js");
const { startEmbeddedPostgres } = dist("embedded-postgres.js");

const { values: args } = parseArgs({
  options: {
    url: { type: "string", default: process.env.BENCH_PG_URL },
    records: { type: "string" },
    seconds: { type: "string", default: "5" },
    clients: { type: "string", default: "8" },
    "hubql-node": { type: "string", default: "/usr/bin/node" },
    json: { type: "boolean", default: false },
  },
});
const SECONDS = Number(args.seconds);
const CLIENTS = Number(args.clients);

/**
 * "Tuned" (issue 14): an index in PostGraphile's order (`orderBy: [SUBMITTED_ASC, SEQ_ASC]` is ascending with
 * nulls last; hubql's own index is nulls first), and a job's parent and child jobs as computed columns — hubql keeps
 * the links in `job_parents`, which PostGraphile would otherwise show only as parent uuids and not at all as
 * children. Both set-returning SQL functions are inlined by Postgres into PostGraphile's one statement. Made before
 * PostGraphile introspects, dropped at the end so the store is left as hubql's bench built it.
 */
const TUNING = [
  `CREATE INDEX IF NOT EXISTS "postgraphile_bench_submitted" ON "task_records" ("submitted", "seq")`,
  `CREATE OR REPLACE FUNCTION "jobs_parent_jobs"(j "jobs") RETURNS SETOF "jobs" LANGUAGE sql STABLE AS $$
     SELECT t.* FROM "job_parents" p JOIN "jobs" t ON t."uuid" = p."parent_uuid" WHERE p."child_db_id" = j."db_id"
     ORDER BY t."db_seq" $$`,
  `CREATE OR REPLACE FUNCTION "jobs_child_jobs"(j "jobs") RETURNS SETOF "jobs" LANGUAGE sql STABLE AS $$
     SELECT t.* FROM "job_parents" p JOIN "jobs" t ON t."db_id" = p."child_db_id" WHERE p."parent_uuid" = j."uuid"
     ORDER BY t."db_seq" $$`,
];
const UNTUNING = [
  `DROP INDEX IF EXISTS "postgraphile_bench_submitted"`,
  `DROP FUNCTION IF EXISTS "jobs_parent_jobs"("jobs")`,
  `DROP FUNCTION IF EXISTS "jobs_child_jobs"("jobs")`,
];

/** hubql's list (read-rows.ts LIST_QUERY) in PostGraphile: the same filter, order, page size and fields. */
const PGL_LIST = `query List($engine: String!, $from: Datetime!, $to: Datetime!) {
  allTaskRecords(first: 100, orderBy: [SUBMITTED_ASC, SEQ_ASC],
    filter: { engineUuid: { equalTo: $engine }, submitted: { greaterThanOrEqualTo: $from, lessThan: $to } }) {
  edges { node { msgId submitted started completed engineUuid queue resultContent } }
  pageInfo { hasNextPage endCursor } } }`;

/** hubql's nested read (read-rows.ts NESTED_QUERY): flows in hubql's order (created, then uuid), jobs by db_seq. */
const PGL_NESTED = `{ allFlows(first: 100, orderBy: [CREATED_ON_ASC, UUID_ASC]) { edges { node { uuid name
  jobsByFlowUuid(orderBy: DB_SEQ_ASC) { nodes { dbId name state
    parentJobs { nodes { dbId } } childJobs { nodes { dbId } } } } } } } }`;

const progress = (text) => process.stderr.write(`${text}\n`);

async function main() {
  const loadAtStart = loadavg()[0];
  const cleanup = [];
  try {
    const url = args.url ?? (await embeddedPostgres(cleanup));
    if (args.records) await loadStore(url, Number(args.records));
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    cleanup.unshift(() => db.end());
    const records = Number((await db.query(`SELECT COUNT(*) AS n FROM "task_records"`)).rows[0].n);
    if (records === 0) throw new Error("the store is empty: load it with --records N");
    const postgres = (await db.query("SHOW server_version")).rows[0].server_version.split(" ")[0];
    for (const sql of TUNING) await db.query(sql);
    cleanup.unshift(async () => {
      for (const sql of UNTUNING) await db.query(sql);
    });

    progress(`starting hubql (${args["hubql-node"]}) and PostGraphile (${process.execPath})`);
    const hubql = await startHubql(url, {}, args["hubql-node"]);
    cleanup.unshift(() => hubql.stop());
    const postgraphile = await startNode(process.execPath, join(import.meta.dirname, "server.mjs"), {
      DATABASE_URL: url,
    });
    cleanup.unshift(() => postgraphile.stop());

    const filter = listFilter(records);
    const hubqlList = [hubql.url, LIST_QUERY, { f: filter }];
    const pglList = [
      postgraphile.url,
      PGL_LIST,
      { engine: filter.engineUuid, from: filter.submitted.$gte, to: filter.submitted.$lt },
    ];
    await sameAnswers(hubqlList, pglList, hubql.url, postgraphile.url);

    progress("list: latency, then throughput");
    const [mine, theirs] = await interleavedLatency(
      graphqlOperation(...hubqlList),
      graphqlOperation(...pglList),
      SECONDS,
    );
    const [myRate, theirRate] = await interleavedThroughput(
      graphqlOperation(...hubqlList),
      graphqlOperation(...pglList),
      CLIENTS,
      SECONDS,
    );
    progress("nested: latency");
    const [myNested, theirNested] = await interleavedLatency(
      graphqlOperation(hubql.url, NESTED_QUERY),
      graphqlOperation(postgraphile.url, PGL_NESTED),
      SECONDS,
    );
    const rows = [
      row("taskRecords(filter: engine + submitted window, first: 100), p50", p50p95(mine), p50p95(theirs), "p50", null),
      row(`same, throughput @${CLIENTS} clients`, { perSecond: myRate }, { perSecond: theirRate }, "perSecond", {
        op: "≥",
        value: 1,
      }),
      row(
        "flows(first: 100) { jobs { parents children } }, 100 flows × 10 jobs, p50",
        p50p95(myNested),
        p50p95(theirNested),
        "p50",
        {
          op: "≤",
          value: 2,
        },
      ),
      row("peak RSS after the run", { mib: hubql.peakRssMiB() }, { mib: postgraphile.peakRssMiB() }, "mib", null),
    ];
    const machine = {
      cpu: cpus()[0]?.model.trim(),
      cores: cpus().length,
      memoryGiB: Math.round(totalmem() / 1024 ** 3),
      postgres,
      hubqlNode: execFileSync(args["hubql-node"], ["--version"]).toString().trim(),
      postgraphileNode: process.version,
      load: { start: loadAtStart, end: loadavg()[0] },
    };
    const report = { records, seconds: SECONDS, clients: CLIENTS, machine, rows };
    process.stdout.write(`${args.json ? JSON.stringify(report, null, 2) : markdown(report)}\n`);
  } finally {
    for (const step of cleanup) await step().catch((error) => progress(`cleanup: ${error.message}`));
  }
}

/** An embedded Postgres (hubql's, as its bench starts one) with an empty `bench` database; deleted at the end. */
async function embeddedPostgres(cleanup) {
  if (!args.records) throw new Error("without --url, say how many records to load: --records N");
  progress("starting an embedded Postgres");
  const server = await startEmbeddedPostgres({ user: "bench", password: "bench" });
  cleanup.push(() => server.stop());
  const admin = new pg.Client({ connectionString: `${server.url}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE "bench"`);
  await admin.end();
  return `${server.url}/bench`;
}

/** hubql's bench builder (`npm run bench` measuring nothing) fills the store unless it holds `records` already. */
function loadStore(url, records) {
  progress(`loading ${records} records with hubql's bench builder`);
  const bench = [join(ROOT, "dist/scripts/bench.js"), "--records", String(records), "--stores", "postgres"];
  const child = spawn(args["hubql-node"], [...bench, "--only", "", "--reuse"], {
    cwd: ROOT,
    env: { ...process.env, BENCH_PG_URL: url },
    stdio: ["ignore", "ignore", "inherit"],
  });
  return new Promise((resolve, reject) =>
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bench builder exited with ${code}`)))),
  );
}

/**
 * A benchmark of different answers measures nothing: both must return the same task records, and the same flows
 * with the same jobs, parents and children.
 */
async function sameAnswers(hubqlList, pglList, hubqlUrl, pglUrl) {
  const mine = (await graphql(...hubqlList)).taskRecords.edges.map((edge) => edge.node.msgId);
  const theirs = (await graphql(...pglList)).allTaskRecords.edges.map((edge) => edge.node.msgId);
  if (mine.length === 0 || mine.join() !== theirs.join()) throw new Error(`the lists differ: ${mine} / ${theirs}`);
  const ids = (nodes) => nodes.map((node) => node.dbId).join(" ");
  const myFlows = (await graphql(hubqlUrl, NESTED_QUERY)).flows.edges.map(({ node }) =>
    node.jobs.map((job) => `${node.uuid} ${job.dbId} ${job.state} < ${ids(job.parents)} > ${ids(job.children)}`),
  );
  const theirFlows = (await graphql(pglUrl, PGL_NESTED)).allFlows.edges.map(({ node }) =>
    node.jobsByFlowUuid.nodes.map(
      (job) => `${node.uuid} ${job.dbId} ${job.state} < ${ids(job.parentJobs.nodes)} > ${ids(job.childJobs.nodes)}`,
    ),
  );
  if (JSON.stringify(myFlows) !== JSON.stringify(theirFlows)) throw new Error("the nested reads differ");
  progress(`same answers: ${mine.length} task records; ${myFlows.length} flows, ${myFlows.flat().length} jobs`);
}

const p50p95 = ({ p50, p95 }) => ({ p50, p95 });

/** A table row: hubql's figures, PostGraphile's, hubql ÷ PostGraphile on `key`, and the target. */
function row(work, hubql, postgraphile, key, target) {
  const name = { p50: "p50 ratio", perSecond: "req/s ratio", mib: "RSS ratio" }[key];
  const measure = { name, value: ratio(hubql[key], postgraphile[key]) };
  return { work, hubql, postgraphile, measure, target, verdict: verdict({ measure, target }) };
}

function markdown({ records, seconds, clients, machine: m, rows }) {
  const lines = [
    `${records.toLocaleString("en")} records · ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB · Postgres ${m.postgres}` +
      ` · hubql on Node ${m.hubqlNode.slice(1)}, PostGraphile 5 on Node ${m.postgraphileNode.slice(1)} · ${seconds} s` +
      ` per measurement, ${clients} clients for throughput · load average ${m.load.start.toFixed(1)} at the start,` +
      ` ${m.load.end.toFixed(1)} at the end`,
    "",
    "| work | hubql | PostGraphile 5 + connection-filter, tuned | ratio | target | verdict |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const shown = r.measure.value === null ? "—" : `${r.measure.value.toFixed(2)}× (${r.measure.name})`;
    const target = r.target ? `${r.target.op} ${r.target.value.toFixed(2)}×` : "—";
    const { met, missedBy } = r.verdict;
    const text = met === null ? "—" : met ? "met" : `**missed** by ${Math.round((missedBy - 1) * 100)} %`;
    lines.push(`| ${r.work} | ${figures(r.hubql)} | ${figures(r.postgraphile)} | ${shown} | ${target} | ${text} |`);
  }
  return lines.join("\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
