import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../../src/config";
import { silentLogger } from "../../../src/logger";
import { createGateway } from "../../../src/server/app";
import type { Services } from "../../../src/services";
import { createPostgresDatabase } from "../../support/databases";
import { testConfig } from "../../support/gateway";
import { completed, storedIds } from "./records";

/** Two gateway processes on one Postgres: two service stacks, two connection pools, one database. */
describe("task operations with two gateways on one Postgres", () => {
  const gateways: Awaited<ReturnType<typeof createGateway>>[] = [];
  let a: Services;
  let b: Services;
  beforeAll(async () => {
    const url = await createPostgresDatabase();
    const config = testConfig(url, { retention: { ...DEFAULT_LIMITS.retention, recordLimit: 40, cullFraction: 0.1 } });
    gateways.push(await createGateway(config, silentLogger), await createGateway(config, silentLogger));
    [a, b] = gateways.map((gateway) => gateway.services) as [Services, Services];
  });
  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.apollo.stop();
      await gateway.services.context.db?.close();
    }
  });

  it("racing resubmits of one original both succeed and the original names one of them", async () => {
    await a.tasks.add([completed("orig", 1)]);
    const [first, second] = await Promise.all([
      a.taskResubmit.resubmit({ msgIds: ["orig"] }),
      b.taskResubmit.resubmit({ msgIds: ["orig"] }),
    ]);
    const created = [first.resubmitted[0]?.new, second.resubmitted[0]?.new];
    expect(new Set(created).size).toBe(2);
    expect(created).toContain((await a.tasks.get("orig"))?.resubmitted);
    for (const id of created) expect((await b.tasks.get(id as string))?.resubmittedFrom).toBe("orig");
  });

  it("racing purges remove each completed record once", async () => {
    await a.tasks.add(Array.from({ length: 30 }, (_, i) => completed(`p${i}`, 10 + i)));
    const pendingIds = (await a.tasks.dbQuery({ completed: null }, ["msg_id"])).map((row) => row["msg_id"] as string);
    const completedCount = await a.tasks.count({ completed: { $ne: null } });
    const [x, y] = await Promise.all([a.taskPurge.purge({ all: true }), b.taskPurge.purge({ all: true })]);
    expect(x.count + y.count).toBe(completedCount);
    expect(await storedIds({ services: b })).toEqual(pendingIds.sort());
  });

  it("concurrent adds on both gateways keep the record limit (culls are serialised)", async () => {
    const batches = Array.from({ length: 10 }, (_, n) =>
      Array.from({ length: 8 }, (_, i) => completed(`c${n}-${i}`, 100 + n * 8 + i)),
    );
    await Promise.all(batches.map((batch, n) => (n % 2 ? a : b).tasks.add(batch)));
    const kept = await storedIds({ services: a });
    expect(kept.length).toBeLessThanOrEqual(40);
    // 80 added: each cull removes at least the excess, and at least 4 (10 % of 40), so between 36 and 40 stay.
    expect(kept.length).toBeGreaterThanOrEqual(36);
    const results = await b.taskResults.results(["c0-0", kept.find((id) => /^c\d-/.test(id)) as string]);
    expect(results.map((result) => result.status)).toEqual(["CULLED", "COMPLETED"]);
  });
});
