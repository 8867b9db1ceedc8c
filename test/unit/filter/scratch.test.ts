import { it, expect } from "vitest";
import { openSqlite, openPostgres, THINGS } from "../../conformance/harness";
import { compileFilter } from "../../../src/filter";
import { ALL_THINGS } from "../../conformance/fixture";

it("worst case", async () => {
  const path16 = Array.from({ length: 15 }, (_, i) => (i % 2 ? "1" : "a")).join(".");
  let inner: Record<string, unknown> = { [path16]: { $regex: "x" } };
  for (let i = 0; i < 11; i++) inner = { [path16.split(".").slice(0, 4).join(".")]: { $elemMatch: inner } };
  const filter = { ["doc." + path16.split(".").slice(0, 4).join(".")]: { $elemMatch: inner } };
  for (const f of [filter, { ["doc." + path16]: 1 }, { ["doc." + Array(15).fill("a").join(".")]: { $elemMatch: { [Array(15).fill("b").join(".")]: { $elemMatch: { [Array(15).fill("c").join(".")]: 1 } } } } }]) {
    let c;
    try { c = compileFilter(f, THINGS, { dialect: "sqlite" }); } catch (e) { console.log("COMPILE", (e as Error).message); continue; }
    console.log("LEN", c.sql.length, Object.keys(c.params).length);
    const s = openSqlite(ALL_THINGS); const p = await openPostgres(ALL_THINGS);
    for (const st of [s, p]) {
      const t0 = Date.now();
      try { const r = await st.ids(f); console.log(st.dialect, "OK", r.length, Date.now() - t0, "ms"); } catch (e) { console.log(st.dialect, "ERR", (e as Error).message.slice(0, 200)); }
    }
    await s.close(); await p.close();
  }
});
