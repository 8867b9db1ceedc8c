/**
 * The budget of compiled forms (src/server/compiled-execution.ts): compiled operations are kept within a number of
 * fields, least recently used evicted first, and an evicted plan starts over (interpreted, then compiled again).
 */
import type { CompiledQuery } from "graphql-jit";
import { describe, expect, it } from "vitest";

import { CompiledForms } from "../../src/server/compiled-execution";

type Plan = Parameters<CompiledForms["add"]>[0];

const compiledPlan = (): Plan => ({ runs: 2, compiled: { query: () => ({ data: {} }) } as unknown as CompiledQuery });

describe("compiled forms within a budget of fields", () => {
  it("evicts the least recently used beyond the budget, and an evicted plan starts over", () => {
    const forms = new CompiledForms(100);
    const [a, b, c, d] = [compiledPlan(), compiledPlan(), compiledPlan(), compiledPlan()] as [Plan, Plan, Plan, Plan];
    forms.add(a, 40);
    forms.add(b, 40);
    forms.touch(a); // a is now the most recently used
    forms.add(c, 40); // 120 > 100: b, the least recently used, goes
    expect(b).toEqual({ runs: 0, compiled: null });
    expect(a.compiled).not.toBeNull();
    expect(c.compiled).not.toBeNull();
    expect(forms.size).toBe(2);
    forms.add(d, 90); // 170: a and c go, d stays although alone it is close to the budget
    expect([a.compiled, c.compiled, d.compiled === null]).toEqual([null, null, false]);
    expect(forms.size).toBe(1);
  });

  it("ignores touches of plans it does not hold", () => {
    const forms = new CompiledForms(10);
    const outside = compiledPlan();
    forms.touch(outside);
    expect(forms.size).toBe(0);
    expect(outside.runs).toBe(2);
  });
});
