/** jobflow-remote.md §5 flow_ids: "any element of job.hosts" — the stored flow and every enclosing sub-flow. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DIALECTS } from "../../support/databases";
import { JobflowDriver } from "./support";

describe.each(DIALECTS)("sub-flows in the flowIds filter on %s", (dialect) => {
  let jf: JobflowDriver;
  beforeAll(async () => {
    jf = await JobflowDriver.start(dialect);
  });
  afterAll(() => jf?.close());

  it("matches a job by its flow and by each enclosing sub-flow, innermost first in hosts", async () => {
    const flow = await jf.addFlow("outer", [
      { name: "a", hosts: ["inner-1", "middle"] },
      { name: "b", parents: ["a"], hosts: ["middle"] },
      { name: "c", parents: ["b"] },
    ]);
    const other = await jf.addFlow("other", [{ name: "x", hosts: ["inner-2"] }]);

    expect(await jf.countJobs({ flowIds: [flow.uuid] })).toBe(3);
    expect(await jf.countJobs({ flowIds: ["middle"] })).toBe(2);
    expect(await jf.countJobs({ flowIds: ["inner-1"] })).toBe(1);
    expect(await jf.countJobs({ flowIds: ["inner-1", "inner-2"] })).toBe(2);
    expect(await jf.countJobs({ flowIds: [other.uuid, "middle"] })).toBe(3);
    expect(await jf.countJobs({ flowIds: ["nowhere"] })).toBe(0);
    expect(await jf.countJobs({ flowIds: [] })).toBe(0);

    const data = await jf.gw.ok<{ job: { hosts: string[] } }>(`query($id: String!) { job(dbId: $id) { hosts } }`, {
      id: flow.dbIds["a"],
    });
    expect(data.job.hosts).toEqual(["inner-1", "middle", flow.uuid]);
  });
});
