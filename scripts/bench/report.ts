/** The benchmark's table (Markdown) and its JSON, with each target judged. */
import { cpus, loadavg, totalmem } from "node:os";

import type { Figures, Row } from "./row";
import { verdict } from "./row";

/** One fact per store (its version, its file system), null where the run did not use it or could not tell. */
export interface PerStore {
  readonly postgres: string | null;
  readonly sqlite: string | null;
}

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly node: string;
  readonly postgres: string | null;
  readonly sqlite: string | null;
  /** The file system each store's files were on (`ext4, online discard`), where known. */
  readonly fileSystems?: PerStore;
  /** The 1-minute load average when the run started and when it ended: other work on the machine skews figures. */
  readonly load?: { readonly start: number; readonly end: number };
}

/** This machine, the store versions (and file systems) a run used, and the load average from `loadAtStart` until now. */
export function describeMachine(versions: PerStore, loadAtStart: number, fileSystems?: PerStore): Machine {
  const cores = cpus();
  return {
    cpu: cores[0]?.model.trim() ?? "unknown CPU",
    cores: cores.length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.versions.node,
    ...versions,
    ...(fileSystems ? { fileSystems } : {}),
    load: { start: loadAtStart, end: loadavg()[0] ?? 0 },
  };
}

export interface Report {
  readonly records: number;
  readonly seconds: number;
  readonly clients: number;
  readonly machine: Machine;
  readonly rows: Row[];
}

const number = (value: number, digits = 0) =>
  value.toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function ms(value: number): string {
  return value < 10 ? number(value, 2) : value < 100 ? number(value, 1) : number(value);
}

export function figures(f: Figures | null, unit = "req"): string {
  if (!f) return "—";
  const parts: string[] = [];
  if (f.p50 !== undefined) {
    const tail = f.p99 !== undefined ? `p99 ${ms(f.p99)}` : f.p95 !== undefined ? `p95 ${ms(f.p95)}` : "";
    parts.push(`p50 ${ms(f.p50)}${tail ? ` / ${tail}` : ""} ms`);
  }
  if (f.perSecond !== undefined) parts.push(`${number(f.perSecond)} ${unit}/s`);
  if (f.seconds !== undefined) parts.push(`${number(f.seconds, f.seconds < 10 ? 2 : 1)} s`);
  if (f.mib !== undefined) parts.push(`${number(f.mib)} MiB`);
  if (f.statements !== undefined) parts.push(`${number(f.statements)} statement${f.statements === 1 ? "" : "s"}`);
  return parts.join(", ") || "—";
}

function judged(row: Row): { measure: string; target: string; verdict: string } {
  const value = row.measure.value;
  const isRatio = row.measure.name.includes("ratio");
  const shown = value === null ? "—" : isRatio ? `${number(value, 2)}×` : number(value, value < 10 ? 1 : 0);
  const target = row.target
    ? `${row.target.op} ${number(row.target.value, isRatio ? 2 : 0)}${isRatio ? "×" : ""}`
    : "—";
  const { met, missedBy } = verdict(row);
  const text =
    met === null ? (row.note ?? "—") : met ? "met" : `**missed** by ${number(((missedBy ?? 1) - 1) * 100)} %`;
  return { measure: `${shown} (${row.measure.name})`, target, verdict: text };
}

export function markdown(report: Report): string {
  return [
    `${number(report.records)} records · ${machineLine(report.machine)} · ${report.seconds} s per measurement, ` +
      `${report.clients} clients for throughput${loadLine(report.machine)}`,
    "",
    table(report.rows),
  ].join("\n");
}

/** `2 × <cpu>, 24 GiB · Node … · Postgres … on ext4 · SQLite … on ext4`. */
export function machineLine(m: Machine): string {
  const on = (fileSystem: string | null | undefined) => (fileSystem ? ` on ${fileSystem}` : "");
  return (
    `${m.cores} × ${m.cpu}, ${number(m.memoryGiB)} GiB · Node ${m.node} · ` +
    `${m.postgres ?? "no Postgres"}${on(m.fileSystems?.postgres)} · SQLite ${m.sqlite ?? "—"}${on(m.fileSystems?.sqlite)}`
  );
}

/** ` · load average … at the start, … at the end`, or nothing. */
export function loadLine(m: Machine): string {
  return m.load ? ` · load average ${number(m.load.start, 1)} at the start, ${number(m.load.end, 1)} at the end` : "";
}

/** The rows as a Markdown table, each target judged. */
export function table(rows: readonly Row[]): string {
  const lines = [
    "| work | store | hubql | reference | measure | target | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const { measure, target, verdict: text } = judged(row);
    const reference = row.reference ? `${row.reference.name}: ${figures(row.reference, row.unit)}` : "—";
    lines.push(
      `| ${row.work} | ${row.store} | ${figures(row.hubql, row.unit)} | ${reference} | ${measure} | ${target} | ${text} |`,
    );
  }
  return lines.join("\n");
}

/** Any report with rows (the bench's, the import's) as JSON, each row with its verdict. */
export function json<R extends { readonly rows: readonly Row[] }>(report: R): string {
  return JSON.stringify(
    { ...report, rows: report.rows.map((row) => ({ ...row, verdict: verdict(row) })) },
    (_key, value: unknown) =>
      typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value,
    2,
  );
}
