/** What one line of the benchmark's table holds, and how a target is judged. */
import type { Dialect } from "../../src/dialect";

export interface Figures {
  readonly p50?: number;
  readonly p95?: number;
  readonly p99?: number;
  /** Requests, records or checkouts per second (see `unit`). */
  readonly perSecond?: number;
  readonly seconds?: number;
  readonly mib?: number;
  /** SQL statements per request. */
  readonly statements?: number;
}

export interface Target {
  /** ≤: the measure must not exceed `value`; ≥: must reach it; <: must stay under it. */
  readonly op: "≤" | "≥" | "<";
  readonly value: number;
}

export interface Row {
  readonly work: string;
  readonly store: Dialect | "—";
  /** What `perSecond` counts: req, rec, checkouts. */
  readonly unit?: string;
  readonly hubql: Figures;
  readonly reference: (Figures & { readonly name: string }) | null;
  /** The number the target judges: a ratio to the reference, or an absolute figure. */
  readonly measure: { readonly name: string; readonly value: number | null };
  readonly target: Target | null;
  readonly note?: string;
}

export interface Verdict {
  readonly met: boolean | null;
  /** How far a missed target is missed: the factor by which the measure is on the wrong side (1.4 = 40 % off). */
  readonly missedBy: number | null;
}

export function verdict(row: Row): Verdict {
  const value = row.measure.value;
  if (!row.target || value === null || !Number.isFinite(value)) return { met: null, missedBy: null };
  const { op, value: goal } = row.target;
  const met = op === "≥" ? value >= goal : op === "≤" ? value <= goal : value < goal;
  if (met) return { met, missedBy: null };
  return { met, missedBy: op === "≥" ? goal / Math.max(value, 1e-9) : value / goal };
}

export function ratio(numerator: number | undefined, denominator: number | undefined): number | null {
  if (numerator === undefined || denominator === undefined || denominator === 0) return null;
  return numerator / denominator;
}
