/**
 * Generated filters (fast-check, fixed seeds, so every run checks the same filters), on real SQLite and real
 * Postgres:
 *
 * 1. against mingo, over MINGO_SAFE records with filters from the part of the language where mingo follows the
 *    manual (generators.ts says what is left out and conformance.test.ts `MINGO_DEVIATIONS` why);
 * 2. against mongo-reference.ts (the manual's rules, see conformance.test.ts for the cases that pin it down), over
 *    every trap record with every operator, nesting and path shape.
 *
 * Zero mismatches allowed. On failure fast-check prints the (shrunk) filter and the seed.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { Dialect } from "../../src/filter";
import { ALL_THINGS, MINGO_SAFE } from "./fixture";
import { filterArbitrary, mingoSafeFilterArbitrary } from "./generators";
import { openStore, type Store } from "./harness";
import { mingoIds, referenceIds } from "./mongo-view";

const RUNS_AGAINST_MINGO = 400;
const RUNS_AGAINST_MANUAL = 600;

describe.each(["sqlite", "postgres"] as const)("%s", (dialect: Dialect) => {
  let safe: Store;
  let all: Store;

  beforeAll(async () => {
    safe = await openStore(dialect, MINGO_SAFE);
    all = await openStore(dialect, ALL_THINGS);
  });

  afterAll(async () => {
    await safe.close();
    await all.close();
  });

  it(`matches mingo on ${RUNS_AGAINST_MINGO} generated filters`, async () => {
    await fc.assert(
      fc.asyncProperty(mingoSafeFilterArbitrary, async (filter) => {
        const expected = mingoIds(MINGO_SAFE, filter);
        // The executable manual agrees with mingo here; the database must too.
        expect(referenceIds(MINGO_SAFE, filter)).toEqual(expected);
        expect(await safe.ids(filter)).toEqual(expected);
      }),
      { seed: 20261122, numRuns: RUNS_AGAINST_MINGO },
    );
  });

  it(`matches the manual on ${RUNS_AGAINST_MANUAL} generated filters over every trap`, async () => {
    // Postgres' one documented deviation: jsonb cannot see embedded-document field order.
    const keyOrder = dialect === "sqlite";
    await fc.assert(
      fc.asyncProperty(filterArbitrary, async (filter) => {
        expect(await all.ids(filter)).toEqual(referenceIds(ALL_THINGS, filter, keyOrder));
      }),
      { seed: 8_2026, numRuns: RUNS_AGAINST_MANUAL },
    );
  });
});
