import { describe, expect, it } from "vitest";

import { DEFAULT_LIMITS, loadConfig, type RetentionLimits } from "../../../src/config";
import { DIALECTS } from "../../support/databases";
import { startTestGateway, type TestGateway } from "../../support/gateway";
import { add, completed, pending, storedIds } from "./records";

const STATUS = `query($ids: [ID!]!) { taskResults(msgIds: $ids) { msgId status } }`;

async function withRetention(
  dialect: (typeof DIALECTS)[number],
  retention: Partial<RetentionLimits>,
  work: (gw: TestGateway) => Promise<void>,
) {
  const gw = await startTestGateway(dialect, { retention: { ...DEFAULT_LIMITS.retention, ...retention } });
  try {
    await work(gw);
  } finally {
    await gw.close();
  }
}

const id = (i: number) => `t${String(i).padStart(3, "0")}`;
/** `bytes` decoded bytes of request buffers. */
const sized = (bytes: number) => ({ buffers: [Buffer.alloc(bytes, 7).toString("base64")], resultBuffers: null });

describe.each(DIALECTS)("retention on %s", (dialect) => {
  it("is off by default and configured from the environment", async () => {
    expect(loadConfig({}).limits.retention).toEqual({ recordLimit: null, sizeLimit: null, cullFraction: 0.1 });
    expect(
      loadConfig({
        HUBQL_RETENTION_RECORD_LIMIT: "20",
        HUBQL_RETENTION_SIZE_LIMIT: "1000",
        HUBQL_RETENTION_CULL_FRACTION: "0.2",
      }).limits.retention,
    ).toEqual({ recordLimit: 20, sizeLimit: 1000, cullFraction: 0.2 });
    expect(() => loadConfig({ HUBQL_RETENTION_CULL_FRACTION: "1" })).toThrow(/between 0 and 1/);
    expect(() => loadConfig({ HUBQL_RETENTION_RECORD_LIMIT: "0" })).toThrow(/HUBQL_RETENTION_RECORD_LIMIT/);
  });

  it("culls the oldest by submitted when the record count is exceeded (21 over 20 at 0.2 leave 17)", async () => {
    await withRetention(dialect, { recordLimit: 20, cullFraction: 0.2 }, async (gw) => {
      // Added newest first, so insertion order is not what decides.
      for (let i = 20; i >= 0; i--) await add(gw, [completed(id(i), i)]);
      const kept = await storedIds(gw);
      expect(kept).toEqual(Array.from({ length: 17 }, (_, i) => id(i + 4)));
      const statuses = await gw.ok<{ taskResults: { msgId: string; status: string }[] }>(STATUS, {
        ids: [id(0), id(3), id(4), "never"],
      });
      expect(statuses.taskResults.map((r) => r.status)).toEqual(["CULLED", "CULLED", "COMPLETED", "UNKNOWN"]);
    });
  });

  it("culls pending records like any other, and at least the excess of a large batch", async () => {
    await withRetention(dialect, { recordLimit: 10, cullFraction: 0.01 }, async (gw) => {
      // fraction × limit < 1: DictDB would never cull; hubql culls the excess.
      await add(
        gw,
        Array.from({ length: 15 }, (_, i) => pending(id(i), i)),
      );
      expect(await storedIds(gw)).toEqual(Array.from({ length: 10 }, (_, i) => id(i + 5)));
    });
  });

  it("culls by buffer size down to limit × (1 − fraction), oldest first", async () => {
    await withRetention(dialect, { sizeLimit: 1000, cullFraction: 0.1 }, async (gw) => {
      await add(
        gw,
        Array.from({ length: 100 }, (_, i) => completed(id(i + 1), i + 1, sized(10))),
      );
      expect(await storedIds(gw)).toHaveLength(100);
      await add(gw, [completed(id(200), 200, sized(1))]);
      // 1001 bytes > 1000: the excess over 900 is 101, so the 11 oldest ten-byte records go.
      const kept = await storedIds(gw);
      expect(kept).toHaveLength(90);
      expect(kept[0]).toBe(id(12));
      const statuses = await gw.ok<{ taskResults: { status: string }[] }>(STATUS, { ids: [id(11), id(12)] });
      expect(statuses.taskResults.map((r) => r.status)).toEqual(["CULLED", "COMPLETED"]);
    });
  });

  it("recounts on update: growing a record's result buffers can cull", async () => {
    await withRetention(dialect, { sizeLimit: 150, cullFraction: 0.2 }, async (gw) => {
      await add(gw, [completed("a", 1, sized(40)), completed("b", 2, sized(40)), completed("c", 3, sized(40))]);
      expect(await storedIds(gw)).toEqual(["a", "b", "c"]);
      await gw.services.tasks.update("c", { resultBuffers: [Buffer.alloc(35).toString("base64")] });
      // 155 bytes > 150: cull oldest until ≤ 120, so only "a" goes.
      expect(await storedIds(gw)).toEqual(["b", "c"]);
    });
  });

  it("never culls records without submitted, and a size cull with nothing left to cull stops", async () => {
    await withRetention(dialect, { sizeLimit: 10, recordLimit: 1, cullFraction: 0.5 }, async (gw) => {
      await add(gw, [
        pending("orphan-1", 0, { submitted: null, ...sized(50) }),
        pending("orphan-2", 0, { submitted: null }),
      ]);
      expect(await storedIds(gw)).toEqual(["orphan-1", "orphan-2"]);
      await add(gw, [pending("dated", 1)]);
      expect(await storedIds(gw)).toEqual(["orphan-1", "orphan-2"]);
    });
  });

  it("keeps culled ids per store, not per process", async () => {
    await withRetention(dialect, { recordLimit: 1, cullFraction: 0.5 }, async (gw) => {
      await add(gw, [completed("x", 1)]);
      await add(gw, [completed("y", 2)]);
      const other = await startTestGateway(dialect);
      try {
        const here = await gw.ok<{ taskResults: { status: string }[] }>(STATUS, { ids: ["x"] });
        const there = await other.ok<{ taskResults: { status: string }[] }>(STATUS, { ids: ["x"] });
        expect([here.taskResults[0]?.status, there.taskResults[0]?.status]).toEqual(["CULLED", "UNKNOWN"]);
      } finally {
        await other.close();
      }
    });
  });
});
