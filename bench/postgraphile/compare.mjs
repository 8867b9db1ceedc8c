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
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";

import pg from "pg";

// PostGraphile 5 needs Node 22: on Node 20 its server starts, then answers every query with a masked error.
if (Number(process.versions.node.split(".")[0]) < 22) {
  process.stderr.write(
    `compare.mjs needs Node 22 or later (PostGraphile 5); this is ${process.version}: see README.md\n`,
  );
  process.exit(2);
}

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
if (!(SECONDS > 0 && CLIENTS > 0)) throw new Error("--seconds and --clients must be positive numbers");

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
    progress(`hubql at ${hubql.url} (pid ${hubql.pid}), PostGraphile at ${postgraphile.url} (pid ${postgraphile.pid})`);

    const filter = listFilter(records);
    const hubqlList = [hubql.url, LIST_QUERY, { f: filter }];
    const pglList = [
      postgraphile.url,
      PGL_LIST,
      { engine: filter.engineUuid, from: filter.submitted.$gte, to: filter.submitted.$lt },
    ];
    await sameAnswers(hubqlList, pglList, hubql.url, postgraphile.url);

    const servers = [hubql, postgraphile];
    const list = [graphqlOperation(...hubqlList), graphqlOperation(...pglList)];
    const nested = [graphqlOperation(hubql.url, NESTED_QUERY), graphqlOperation(postgraphile.url, PGL_NESTED)];
    progress("list: latency, then throughput");
    const [listLatency, listCpu] = await withCpu(servers, list, (a, b) => interleavedLatency(a, b, SECONDS));
    const [rates, rateCpu] = await withCpu(servers, list, (a, b) => interleavedThroughput(a, b, CLIENTS, SECONDS));
    progress("nested: latency");
    const [nestedLatency, nestedCpu] = await withCpu(servers, nested, (a, b) => interleavedLatency(a, b, SECONDS));
    const latency = (side, measured, cpu) => ({ p50: measured[side].p50, p95: measured[side].p95, cpuMs: cpu[side] });
    const rate = (side) => ({ perSecond: rates[side], cpuMs: rateCpu[side] });
    const rows = [
      row("taskRecords(filter: engine + submitted window, first: 100), p50", "p50", null, (side) =>
        latency(side, listLatency, listCpu),
      ),
      row(`same, throughput @${CLIENTS} clients`, "perSecond", { op: "≥", value: 1 }, rate),
      row(
        "flows(first: 100) { jobs { parents children } }, 100 flows × 10 jobs, p50",
        "p50",
        { op: "≤", value: 2 },
        (side) => latency(side, nestedLatency, nestedCpu),
      ),
      row("peak RSS after the run", "mib", null, (side) => ({ mib: servers[side].peakRssMiB() })),
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
    process.stdout.write(`${args.json ? json(report) : markdown(report)}\n`);
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

/**
 * Runs `phase` on the two operations, counting their calls, and returns its result with each server's CPU time per
 * call (ms): what a request costs the server itself, whatever else the shared machine is doing meanwhile.
 */
async function withCpu(servers, operations, phase) {
  const calls = [0, 0];
  const counted = operations.map((operation, side) => () => {
    calls[side]++;
    return operation();
  });
  const before = servers.map((server) => cpuMs(server.pid));
  const result = await phase(...counted);
  return [result, servers.map((server, side) => (cpuMs(server.pid) - before[side]) / calls[side])];
}

/** CPU time a process has used (user + system), ms: /proc counts it in clock ticks, 100 a second on Linux. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A table row: hubql's figures and PostGraphile's (`figuresOf(0)`, `figuresOf(1)`), their ratio on `key`, the target. */
function row(work, key, target, figuresOf) {
  const [hubql, postgraphile] = [figuresOf(0), figuresOf(1)];
  const name = { p50: "p50 ratio", perSecond: "req/s ratio", mib: "RSS ratio" }[key];
  const measure = { name, value: ratio(hubql[key], postgraphile[key]) };
  return { work, hubql, postgraphile, measure, target, verdict: verdict({ measure, target }) };
}

/** As hubql's bench prints JSON: fractions to 4 significant digits. */
function json(report) {
  const round = (_key, value) =>
    typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
  return JSON.stringify(report, round, 2);
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
    const cells = [r.hubql, r.postgraphile].map((f) => figures(f) + (f.cpuMs ? `, ${f.cpuMs.toFixed(1)} ms CPU` : ""));
    lines.push(`| ${r.work} | ${cells[0]} | ${cells[1]} | ${shown} | ${target} | ${text} |`);
  }
  return lines.join("\n");
}

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
