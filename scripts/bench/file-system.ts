/**
 * Which file system a store's files are on, for the machine line: what it costs to give files back differs by
 * far between mounts. A purge-all's `TRUNCATE` of 1M task records took 0.83–1.12 s with Postgres' data on this
 * machine's ext4 mounted with online `discard` (each freed extent TRIMmed as it goes), and 0.39–0.48 s on an ext4
 * without it, on the same disk; truncating a cached 1 GB file took 355 ms against 78 ms.
 */
import { readFileSync, realpathSync } from "node:fs";

/** `ext4, online discard`, `xfs`, …; null where the path is not on this machine (a remote Postgres) or not Linux. */
export function fileSystemOf(path: string): string | null {
  let real: string;
  let mounts: string;
  try {
    real = realpathSync(path);
    mounts = readFileSync("/proc/self/mounts", "utf8");
  } catch {
    return null;
  }
  let best: { point: string; type: string; options: string } | null = null;
  for (const line of mounts.split("\n")) {
    const [, escaped, type, options] = line.split(" ");
    if (!escaped || !type || options === undefined) continue;
    // /proc/mounts writes space, tab, newline and backslash in octal.
    const point = escaped.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
    const inside = point === "/" || real === point || real.startsWith(`${point}/`);
    if (inside && (!best || point.length >= best.point.length)) best = { point, type, options };
  }
  if (!best) return null;
  return best.options.split(",").includes("discard") ? `${best.type}, online discard` : best.type;
}
