/**
 * The jobflow job document (docs/flows-and-jobs.md, "jobflow documents"): addFlow with jobs as `hubql_jobflow`
 * sends them, stored as exact text, the columns derived from it, the validation,
 * the parents rule, external references and the flow document — on SQLite and Postgres.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { addDocFlow, addFlow, flowDoc, flowRows, jobDoc, placeholder, ref, uid } from "./documents";
import { errorOf, JobflowDriver } from "./support";

/** Numbers JavaScript would rewrite (1.0 → 1, 2**60 + 1 rounded, 1e+16 → 10000000000000000), text beyond ASCII. */
const exactArgs = (parent: string) =>
  `[1.0, 1152921504606846977, 1e+16, "héllo ✓ 日本 \\u00e9", {"deep": [${ref(parent, ["i", "x"], ["a", "energy"])}]}]`;

interface Row {
  dbId: string;
  uuid: string;
  index: number;
  name: string;
  metadata: Record<string, unknown>;
  hosts: string[];
  onMissingReferences: string;
  worker: string | null;
  execConfig: unknown;
  resources: unknown;
  priority: number;
  parentUuids: string[];
  flowParentUuids: string[];
  state: string;
  documentJson: string | null;
  document: Record<string, unknown> | null;
}

const ROW_FIELDS = `dbId uuid index name metadata hosts onMissingReferences worker execConfig resources priority parentUuids
  flowParentUuids state documentJson document`;

/** Python's truthiness, as jobflow-remote's `x or default`. */
const truthy = (value: unknown) =>
  !(value === null || value === undefined || value === false || value === 0 || value === "") &&
  !(Array.isArray(value) && value.length === 0) &&
  !(typeof value === "object" && value !== null && Object.keys(value).length === 0);

/** What get_initial_job_doc_dict makes of a document and add_flow's defaults. */
function expectedColumns(document: Record<string, unknown>, defaults: Record<string, unknown>) {
  const config = document["config"] as Record<string, unknown>;
  const manager = (config["manager_config"] ?? {}) as Record<string, unknown>;
  return {
    uuid: document["uuid"],
    index: document["index"],
    name: document["name"],
    metadata: document["metadata"],
    hosts: document["hosts"],
    onMissingReferences: config["on_missing_references"] ?? "error",
    worker: truthy(manager["worker"]) ? manager["worker"] : (defaults["worker"] ?? null),
    execConfig: truthy(manager["exec_config"]) ? manager["exec_config"] : (defaults["execConfig"] ?? null),
    resources: manager["resources"] ?? defaults["resources"] ?? null,
    priority: truthy(manager["priority"]) ? manager["priority"] : (defaults["priority"] ?? 0),
  };
}

describe.each(DIALECTS)("jobflow job documents on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeAll(async () => {
    jf = await JobflowDriver.start(dialect);
  });
  afterAll(() => jf?.close());

  const rowsOf = async (flowUuid: string) =>
    (
      await jf.gw.ok<{ jobs: { edges: { node: Row }[] } }>(
        `query($f: String!) { jobs(query: { flowIds: [$f] }) { edges { node { ${ROW_FIELDS} } } } }`,
        { f: flowUuid },
      )
    ).jobs.edges.map((edge) => edge.node);

  it("stores each document byte for byte and derives the columns from it", async () => {
    const [a, b, c] = [uid("a"), uid("b"), uid("c")];
    const sub = uid("sub");
    const defaults = { worker: "local", execConfig: { modules: ["x"] }, resources: { nodes: 1 }, priority: 3 };
    const docs: string[] = [];
    const flow = await addDocFlow(
      jf,
      (f) => {
        docs.push(
          jobDoc({ uuid: a, hosts: [f], metadata: `{"material":"Si","n":1.0,"big":1152921504606846977}` }),
          jobDoc({
            uuid: b,
            name: "relax ✓",
            hosts: [sub, f],
            args: exactArgs(a),
            kwargs: `{"y": ${ref(a, ["a", "energy"])}}`,
            onMissingReferences: "none",
            manager: `{"worker":"w2","exec_config":"ec","resources":{"ntasks":2},"priority":5}`,
          }),
          // priority 0 and an empty worker count as unset; an empty resources object is set.
          jobDoc({ uuid: c, hosts: [f], args: `[${ref(b)}]`, manager: `{"worker":"","priority":0,"resources":{}}` }),
        );
        return docs.map((documentJson) => ({ documentJson }));
      },
      defaults,
    );
    const rows = await rowsOf(flow.uuid);
    expect(rows.map((row) => row.documentJson)).toEqual(docs);
    for (const row of rows) {
      const document = JSON.parse(row.documentJson as string) as Record<string, unknown>;
      expect(row).toMatchObject(expectedColumns(document, defaults));
      expect(row.document).toEqual(document);
    }
    expect(rows.map((row) => [row.worker, row.priority, row.resources])).toEqual([
      ["local", 3, { nodes: 1 }],
      ["w2", 5, { ntasks: 2 }],
      ["local", 3, {}],
    ]);
    // Parents derived from the references to jobs of the flow; no flow uuid appended to hosts.
    expect(rows.map((row) => [row.parentUuids, row.flowParentUuids, row.state])).toEqual([
      [[], [], "READY"],
      [[a], [a], "WAITING"],
      [[b], [b], "WAITING"],
    ]);
    expect(rows[1]?.hosts).toEqual([sub, flow.uuid]);
    // The single-job read (a loader, which leaves the text out of its row) and checkout answer the same text.
    const one = await jf.gw.ok<{ job: { documentJson: string; document: unknown } }>(
      `query($id: String) { job(dbId: $id) { documentJson document } }`,
      { id: flow.dbIds[1] },
    );
    expect(one.job.documentJson).toBe(docs[1]);
    const picked = await jf.gw.ok<{ checkoutJob: { uuid: string; documentJson: string } }>(
      `mutation($f: String) { checkoutJob(flowUuid: $f) { uuid documentJson } }`,
      { f: flow.uuid },
    );
    expect(picked.checkoutJob).toEqual({ uuid: a, documentJson: docs[0] });
  });

  it("keeps the old JobInput form: no document, the flow uuid appended to hosts, index honoured", async () => {
    const flowUuid = uid("flow");
    const result = await addFlow(jf, {
      uuid: flowUuid,
      jobs: [
        { uuid: "old-a", name: "a", index: 3, hosts: ["sub"], metadata: { n: 1 } },
        { uuid: "old-b", name: "b", parents: ["old-a"] },
      ],
    });
    expect(result.errors).toBeUndefined();
    const rows = await rowsOf(flowUuid);
    expect(rows.map((row) => [row.uuid, row.index, row.hosts, row.documentJson, row.document, row.state])).toEqual([
      ["old-a", 3, ["sub", flowUuid], null, null, "READY"],
      ["old-b", 1, [flowUuid], null, null, "WAITING"],
    ]);
    // Flow.parents keys a submitted job by its real index (upstream's FlowDoc writes "1" whatever the index).
    expect((await jf.flow(flowUuid)).parents).toEqual({ "old-a": { "3": [] }, "old-b": { "1": ["old-a"] } });
  });

  it("derives omitted parents in first-appearance order and keeps given ones as given", async () => {
    const [a, b, c, d] = [uid("a"), uid("b"), uid("c"), uid("d")];
    const flow = await addDocFlow(jf, (f) => [
      { documentJson: jobDoc({ uuid: a, hosts: [f] }) },
      { documentJson: jobDoc({ uuid: b, hosts: [f] }) },
      // kwargs come after args; a uuid counts once; a reference outside the flow is no parent.
      {
        documentJson: jobDoc({ uuid: c, hosts: [f], args: `[${ref(b)}, {"k": [${ref(a)}]}, ${ref(b, ["i", 0])}]` }),
      },
      // LINEAR order adds parents without references: kept, in the given order.
      { documentJson: jobDoc({ uuid: d, hosts: [f], kwargs: `{"x": ${ref(a)}}` }), parents: [c, a, b] },
    ]);
    const rows = await flowRows(jf, flow.uuid);
    expect(rows.map((row) => row.parentUuids)).toEqual([[], [], [b, a], [c, a, b]]);
  });

  it("accepts an external reference only with allowExternalReferences, and not as a parent", async () => {
    const [a, external] = [uid("a"), uid("elsewhere")];
    const jobs = (f: string) => [{ documentJson: jobDoc({ uuid: a, hosts: [f], args: `[${ref(external)}]` }) }];
    const flowUuid = uid("flow");
    const refused = errorOf(await addFlow(jf, { uuid: flowUuid, jobs: jobs(flowUuid) }));
    expect(refused.code).toBe("BAD_USER_INPUT");
    expect(refused.message).toBe(
      `The following jobs were not found in the jobs array and are needed to resolve output references: ["${external}"]. If the references are from external jobs and this is the intended behavior set allowExternalReferences to true`,
    );
    const flow = await addDocFlow(jf, jobs, { allowExternalReferences: true });
    expect((await flowRows(jf, flow.uuid)).map((row) => [row.parentUuids, row.state])).toEqual([[[], "READY"]]);
  });

  it("reads the flow document back with each job's exact text in place of its placeholder", async () => {
    const [a, b] = [uid("a"), uid("b")];
    const [flowUuid, sub] = [uid("flow"), uid("sub")];
    const docA = jobDoc({ uuid: a, hosts: [flowUuid], args: exactArgs("x") });
    const docB = jobDoc({ uuid: b, hosts: [sub, flowUuid], args: `[${ref(a)}]` });
    // Sub-flows stay nested; a placeholder may carry spaces; the flow's own numbers stay exact too.
    const inner = flowDoc(sub, `[ { "@hubql_job" : {"uuid": "${b}", "index": 1} } ]`, `"name":"inner","order":"auto"`);
    const skeleton = flowDoc(
      flowUuid,
      `[${placeholder(a)}, ${inner}]`,
      `"name":"outer ✓","order":"linear","metadata":{"scale":1.0}`,
    );
    await addDocFlow(jf, () => [{ documentJson: docA }, { documentJson: docB }], {
      uuid: flowUuid,
      documentJson: skeleton,
      allowExternalReferences: true,
    });
    const expected = skeleton
      .replace(placeholder(a), docA)
      .replace(`{ "@hubql_job" : {"uuid": "${b}", "index": 1} }`, docB);
    const read = await jf.gw.ok<{
      flow: { documentJson: string; document: unknown };
      flows: { edges: { node: { uuid: string; documentJson: string | null } }[] };
    }>(
      `query($u: ID!, $f: String!) {
        flow(uuid: $u) { documentJson document }
        flows(query: { flowIds: [$f] }) { edges { node { uuid documentJson } } }
      }`,
      { u: flowUuid, f: flowUuid },
    );
    expect(read.flow.documentJson).toBe(expected);
    expect(read.flow.document).toEqual(JSON.parse(expected));
    expect(read.flows.edges[0]?.node.documentJson).toBe(expected);
    // A flow added without a document has none.
    const plain = await jf.addFlow("plain", [{ name: "p" }]);
    const none = await jf.gw.ok<{ flow: { documentJson: string | null } }>(
      `query($u: ID!) { flow(uuid: $u) { documentJson } }`,
      { u: plain.uuid },
    );
    expect(none.flow.documentJson).toBeNull();
  });

  it("refuses every invalid submission with BAD_USER_INPUT naming the input, and changes nothing", async () => {
    const before = { flows: await jf.countFlows(), jobs: await jf.countJobs() };
    const taken = await addDocFlow(jf, (f) => [{ documentJson: jobDoc({ uuid: uid("taken"), hosts: [f] }) }]);
    const takenUuid = (await flowRows(jf, taken.uuid))[0]?.uuid as string;
    const counts = { flows: before.flows + 1, jobs: before.jobs + 1 };
    const [a, b] = [uid("a"), uid("b")];
    const f = uid("flow");
    const doc = (spec: Partial<Parameters<typeof jobDoc>[0]> = {}) => jobDoc({ uuid: a, hosts: [f], ...spec });
    const deep = `${"[".repeat(1001)}${"]".repeat(1001)}`;
    const cases: [string, Record<string, unknown>, string, string][] = [
      ["not JSON", { jobs: [{ documentJson: "{nope" }] }, "flow.jobs[0].documentJson", "is not JSON text"],
      ["not an object", { jobs: [{ documentJson: "[1]" }] }, "flow.jobs[0].documentJson", "must be a JSON object"],
      [
        "not a Job",
        { jobs: [{ documentJson: doc().replace(`"@class":"Job"`, `"@class":"Flow"`) }] },
        "flow.jobs[0].documentJson",
        '$.@class must be "Job"',
      ],
      [
        "a bad uuid",
        { jobs: [{ documentJson: doc({ uuid: "" }) }] },
        "flow.jobs[0].documentJson",
        "$.uuid must be a non-empty string",
      ],
      [
        "a bad index",
        { jobs: [{ documentJson: doc({ index: 0 }) }] },
        "flow.jobs[0].documentJson",
        "$.index must be an integer",
      ],
      [
        "a bad name",
        { jobs: [{ documentJson: doc().replace(`"name":"add"`, `"name":5`) }] },
        "flow.jobs[0].documentJson",
        "$.name must be a string",
      ],
      [
        "bad metadata",
        { jobs: [{ documentJson: doc({ metadata: "[]" }) }] },
        "flow.jobs[0].documentJson",
        "$.metadata must be an object",
      ],
      [
        "bad hosts",
        { jobs: [{ documentJson: doc().replace(`"hosts":["${f}"]`, `"hosts":"${f}"`) }] },
        "flow.jobs[0].documentJson",
        "$.hosts must be a list of strings",
      ],
      [
        "a bad on_missing_references",
        { jobs: [{ documentJson: doc({ onMissingReferences: "sometimes" }) }] },
        "flow.jobs[0].documentJson",
        "$.config.on_missing_references must be one of error, none, pass",
      ],
      [
        "a malformed reference",
        { jobs: [{ documentJson: doc({ args: `[{"r": ${ref(b).replace("[]", '[["x","y"]]')}}]` }) }] },
        "flow.jobs[0].documentJson",
        `$.function_args[0].r is an OutputReference whose attributes[0] has kind "x"`,
      ],
      [
        "hosts not ending with the flow",
        { jobs: [{ documentJson: doc({ hosts: [f, "other"] }) }] },
        "flow.jobs[0].documentJson",
        `$.hosts must end with the flow's uuid ${f}`,
      ],
      [
        "a field given twice",
        { jobs: [{ documentJson: doc(), name: "again" }] },
        "flow.jobs[0].name",
        "flow.jobs[0].name: omit it, the document has the name",
      ],
      [
        "a worker given twice",
        { jobs: [{ documentJson: doc(), worker: "w" }] },
        "flow.jobs[0].worker",
        "the document has the config.manager_config.worker",
      ],
      [
        "a mix with the old form",
        { jobs: [{ documentJson: doc() }, { name: "old" }] },
        "flow.jobs",
        "a mix of jobs with and without documentJson",
      ],
      [
        "a reference missing from parents",
        { jobs: [{ documentJson: doc() }, { documentJson: doc({ uuid: b, args: `[${ref(a)}]` }), parents: [] }] },
        "flow.jobs",
        `job ${b} references the output of ${a} but does not list it as a parent`,
      ],
      [
        "a parent outside the submission",
        { jobs: [{ documentJson: doc(), parents: ["nowhere"] }] },
        "flow.jobs",
        "names parent nowhere, which is not a job of this flow",
      ],
      [
        "a cycle",
        {
          jobs: [
            { documentJson: doc(), parents: [b] },
            { documentJson: doc({ uuid: b }), parents: [a] },
          ],
        },
        "flow.jobs",
        "the jobs' parents form a cycle",
      ],
      [
        "an external reference",
        { jobs: [{ documentJson: doc({ args: `[${ref("elsewhere")}]` }) }] },
        "flow.jobs",
        "The following jobs were not found",
      ],
      [
        "a duplicate (uuid, index)",
        { jobs: [{ documentJson: doc() }, { documentJson: doc() }] },
        "flow.jobs",
        `flow.jobs[1] repeats job ${a} index 1`,
      ],
      [
        "a job uuid taken by another flow",
        { jobs: [{ documentJson: doc({ uuid: takenUuid }) }] },
        "flow",
        "A duplicate key error happened",
      ],
      [
        "a document nested too deep",
        { jobs: [{ documentJson: doc({ args: `[${deep}]` }) }] },
        "flow.jobs[0].documentJson",
        "nests deeper than 1000 levels",
      ],
      ["no flow uuid", { uuid: null, jobs: [{ documentJson: doc() }] }, "flow.uuid", "flow.uuid is required"],
      [
        "a placeholder missing",
        {
          jobs: [{ documentJson: doc() }, { documentJson: doc({ uuid: b }) }],
          documentJson: flowDoc(f, `[${placeholder(a)}]`),
        },
        "flow.documentJson",
        `job ${b} index 1 has no placeholder`,
      ],
      [
        "an unknown placeholder",
        { jobs: [{ documentJson: doc() }], documentJson: flowDoc(f, `[${placeholder(a)}, ${placeholder(b)}]`) },
        "flow.documentJson",
        `a placeholder names job ${b} index 1, not submitted`,
      ],
      [
        "a placeholder twice",
        { jobs: [{ documentJson: doc() }], documentJson: flowDoc(f, `[${placeholder(a)}, ${placeholder(a)}]`) },
        "flow.documentJson",
        `job ${a} index 1 has two placeholders`,
      ],
      [
        "a flow document of another flow",
        { jobs: [{ documentJson: doc() }], documentJson: flowDoc("other", `[${placeholder(a)}]`) },
        "flow.documentJson",
        `$.uuid must be the flow's uuid ${f}`,
      ],
    ];
    for (const [what, flow, argument, message] of cases) {
      const error = errorOf(await addFlow(jf, { uuid: f, ...flow }));
      expect({ what, code: error.code, argument: error.extensions["argument"] }).toEqual({
        what,
        code: "BAD_USER_INPUT",
        argument,
      });
      expect(error.message, what).toContain(message);
      expect({ what, flows: await jf.countFlows(), jobs: await jf.countJobs() }).toEqual({ what, ...counts });
    }
    // The db-id counter did not move either: the next job takes the next id.
    const next = await addDocFlow(jf, (g) => [{ documentJson: jobDoc({ uuid: uid("next"), hosts: [g] }) }]);
    expect(Number(next.dbIds[0])).toBe(Number(taken.dbIds[0]) + 1);
  });

  it("keeps documents and outputs out of filters", async () => {
    for (const filter of [{ "output.x": 1 }, { "document.name": "add" }, { outputJson: "1" }]) {
      const error = errorOf(
        await jf.gw.gql(`query($f: Filter) { countJobs(filter: $f) }`, { f: filter as Record<string, unknown> }),
      );
      expect(error.code).toBe("BAD_USER_INPUT");
      expect(error.message).toMatch(/unknown field '(output|document|outputJson)' on Job/);
    }
    expect(errorOf(await jf.gw.gql(`{ countFlows(filter: { document: null }) }`)).message).toMatch(
      /unknown field 'document' on Flow/,
    );
  });
});
