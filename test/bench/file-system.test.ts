/**
 * The bench's machine line names the file system each store is on (scripts/bench/file-system.ts): checked against
 * util-linux's findmnt, which resolves a path's mount on its own.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

import { fileSystemOf } from "../../scripts/bench/file-system";

function findmnt(path: string): string | null {
  try {
    const [type, options] = execFileSync("findmnt", ["-no", "FSTYPE,OPTIONS", "-T", path], { encoding: "utf8" })
      .trim()
      .split(/\s+/);
    return options?.split(",").includes("discard") ? `${type}, online discard` : (type ?? null);
  } catch {
    return null;
  }
}

const hasFindmnt = findmnt("/") !== null;

describe("fileSystemOf", () => {
  it.skipIf(!hasFindmnt)("names the mount a path is on, as findmnt does, through symlinks", () => {
    const dir = mkdtempSync(join(tmpdir(), "hubql-fs-"));
    try {
      const link = join(dir, "proc-link");
      symlinkSync("/proc/self", link);
      for (const path of ["/", tmpdir(), dir, process.cwd(), "/proc", "/proc/self/status", link, "/dev/null"]) {
        expect(fileSystemOf(path), path).toBe(findmnt(path));
      }
      expect(fileSystemOf(link)).toBe("proc");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("is null for a path not on this machine", () => {
    expect(fileSystemOf("/no/such/path/pg-data")).toBeNull();
  });
});
