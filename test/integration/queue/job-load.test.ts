import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { encodeInstant, type Instant, instantFromDate } from "../../../src/dialect";
import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";
import { CALCULATE, createJobs, createType, JOB_LOAD } from "./queue-fixtures";

interface Snapshot {
  jobTypeId: number | null;
  pendingCount: number;
  queuedCount: number;
  runningCount: number;
  totalCount: number;
  measured: string;
}
interface Group {
  time: string;
  pendingCount: number;
  queuedCount: number;
  runningCount: number;
}

const STATUSES = ["PENDING", "BLOCKED", "QUEUED", "RUNNING", "FAILED", "COMPLETED", "CANCELED"];
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3600_000);

describe.each(DIALECTS)("job load on %s", (dialect) => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await startTestGateway(dialect);
  });
  afterAll(() => gw?.close());
  beforeEach(async () => {
    const db = gw.services.context.requireDb();
    for (const table of ["scale_queue", "scale_jobs", "scale_job_load"]) await db.run(`DELETE FROM "${table}"`);
  });

  const calculate = async () => (await gw.ok<{ calculateJobLoad: Snapshot[] }>(CALCULATE)).calculateJobLoad;
  const groups = async (variables: Record<string, unknown> = {}) =>
    (await gw.ok<{ jobLoad: Group[] }>(JOB_LOAD, variables)).jobLoad;
  const storeLoad = async (jobTypeId: number | null, measured: Date, counts: [number, number, number]) => {
    const db = gw.services.context.requireDb();
    await db.run(
      `INSERT INTO "scale_job_load" ("job_type_id", "measured", "pending_count", "queued_count", "running_count", "total_count")
       VALUES (:t, :m, :p, :q, :r, :total)`,
      {
        t: jobTypeId,
        m: encodeInstant(instantFromDate(measured) as Instant, dialect),
        p: counts[0],
        q: counts[1],
        r: counts[2],
        total: counts[0] + counts[1] + counts[2],
      },
    );
  };

  describe("calculateJobLoad (§1.2)", () => {
    it("scenario 1: with no jobs, exactly one placeholder row", async () => {
      expect(await calculate()).toMatchObject([
        { jobTypeId: null, pendingCount: 0, queuedCount: 0, runningCount: 0, totalCount: 0 },
      ]);
    });

    it("scenario 2: one job in each status counts PENDING, QUEUED and RUNNING only", async () => {
      const type = await createType(gw);
      await createJobs(
        gw,
        STATUSES.map((status) => ({ jobTypeId: type, status })),
      );
      expect(await calculate()).toMatchObject([
        { jobTypeId: type, pendingCount: 1, queuedCount: 1, runningCount: 1, totalCount: 3 },
      ]);
    });

    it("scenario 3: one row per job type, all with one measured time", async () => {
      const [a, b, c] = [await createType(gw), await createType(gw), await createType(gw)];
      await createJobs(gw, [
        { jobTypeId: a, status: "PENDING" },
        { jobTypeId: b, status: "QUEUED" },
        { jobTypeId: b, status: "QUEUED" },
        ...[1, 2, 3].map(() => ({ jobTypeId: c, status: "RUNNING" })),
      ]);
      const rows = await calculate();
      expect(rows.map((r) => [r.jobTypeId, r.pendingCount, r.queuedCount, r.runningCount, r.totalCount])).toEqual([
        [a, 1, 0, 0, 1],
        [b, 0, 2, 0, 2],
        [c, 0, 0, 3, 3],
      ]);
      expect(new Set(rows.map((r) => r.measured)).size).toBe(1);
    });

    it("scenario 4: the periodic snapshot writes one row per interval, however many ticks come", async () => {
      const type = await createType(gw);
      await createJobs(gw, [{ jobTypeId: type, status: "QUEUED" }]);
      const jobLoad = gw.services.queue.jobLoad;
      expect(await jobLoad.calculateIfDue(3600)).toHaveLength(1);
      expect(await jobLoad.calculateIfDue(3600)).toBeNull();
      expect(await groups()).toHaveLength(1);
      await gw.services.context.requireDb().run(`DELETE FROM "scale_job_load"`);
      jobLoad.start(1);
      try {
        const deadline = Date.now() + 5000;
        while ((await groups()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      } finally {
        await jobLoad.stop();
      }
      expect(await groups()).toMatchObject([{ queuedCount: 1 }]);
    });
  });

  describe("jobLoad (§4.1)", () => {
    it("scenarios 9–11: by time, by job type id, by job type name", async () => {
      const [one, two, three] = [await createType(gw), await createType(gw), await createType(gw)];
      await storeLoad(one, hoursAgo(3), [1, 0, 0]);
      await storeLoad(two, hoursAgo(2), [0, 1, 0]);
      await storeLoad(three, hoursAgo(1), [0, 0, 1]);
      const all = await groups();
      expect(all.map((g) => [g.pendingCount, g.queuedCount, g.runningCount])).toEqual([
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ]);
      expect(await groups({ ids: [one] })).toMatchObject([{ pendingCount: 1 }]);
      const names = await gw.ok<{ jobType: { name: string } }>(`query($id: Int!) { jobType(id: $id) { name } }`, {
        id: two,
      });
      expect(await groups({ names: [names.jobType.name] })).toMatchObject([{ queuedCount: 1 }]);
    });

    it("scenario 25: rows measured together fold into one group; placeholders count only without a type filter", async () => {
      const [a, b] = [await createType(gw), await createType(gw)];
      await createJobs(gw, [
        { jobTypeId: a, status: "PENDING" },
        { jobTypeId: b, status: "PENDING" },
        { jobTypeId: b, status: "RUNNING" },
      ]);
      const rows = await calculate();
      expect(rows).toHaveLength(2);
      await storeLoad(null, hoursAgo(5), [0, 0, 0]);
      const all = await groups();
      expect(all).toHaveLength(2);
      expect(all[1]).toMatchObject({ time: rows[0]!.measured, pendingCount: 2, queuedCount: 0, runningCount: 1 });
      expect(await groups({ ids: [a, b] })).toHaveLength(1);
    });

    it("defaults started to UTC midnight seven days ago and takes ISO durations", async () => {
      const type = await createType(gw);
      const now = new Date();
      const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 7);
      await storeLoad(type, new Date(midnight - 60_000), [1, 0, 0]);
      await storeLoad(type, new Date(midnight + 60_000), [2, 0, 0]);
      await storeLoad(type, hoursAgo(1), [3, 0, 0]);
      expect((await groups()).map((g) => g.pendingCount)).toEqual([2, 3]);
      expect((await groups({ started: "PT2H" })).map((g) => g.pendingCount)).toEqual([3]);
      expect((await groups({ started: "P9D", ended: "P1D" })).map((g) => g.pendingCount)).toEqual([1, 2]);
      const offset = new Date(Date.now() - 2 * 3600_000).toISOString().replace("Z", "+00:00");
      expect((await groups({ started: offset })).map((g) => g.pendingCount)).toEqual([3]);
    });

    it("scenarios 12 and 24: Scale's validation messages", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [
          { started: "2015-01-01T00:00:00Z", ended: "2015-02-02T00:00:00Z" },
          "Time range must be between 0 and 31 days, 0:00:00",
        ],
        [{ ended: "2015-01-01T00:00:00Z" }, "Start time must come before end time"],
        [{ started: "2015-01-01T00:00:00Z", ended: "2015-01-01T00:00:00Z" }, "Start and end values must be different"],
        [{ started: "2015-01-01T00:00:00" }, "Invalid ISO timestamp format for parameter: started"],
        [{ ended: "yesterday" }, "Invalid ISO timestamp format for parameter: ended"],
      ];
      for (const [variables, message] of cases) {
        const result = await gw.gql(JOB_LOAD, variables);
        expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT" } });
      }
      expect(await groups({ started: "2015-01-01T00:00:00Z", ended: "2015-01-31T00:00:00-05:00" })).toEqual([]);
    });
  });
});
