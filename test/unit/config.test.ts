/**
 * Configuration is read only in src/config.ts, and the README's "Configuration" table lists exactly the variables
 * it reads: a variable added to one and not the other fails here.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { DEFAULT_JOBFLOW, loadConfig } from "../../src/config";

const ROOT = join(__dirname, "../..");

/** Every `"NAME"` in config.ts that is an environment variable name (upper case, as every one of ours is). */
function variablesReadByConfig(): Set<string> {
  const source = readFileSync(join(ROOT, "src/config.ts"), "utf8");
  return new Set([...source.matchAll(/env(?:\[|, )"([A-Z][A-Z0-9_]+)"/g)].map((match) => match[1] as string));
}

/** The backticked names in the first column of the README's configuration table. */
function variablesInReadme(): Set<string> {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(
    readme.indexOf("## Configuration"),
    readme.indexOf("\n## ", readme.indexOf("## Configuration") + 1),
  );
  const names = new Set<string>();
  for (const line of section.split("\n").filter((row) => row.startsWith("| `"))) {
    const firstCell = line.split("|")[1] ?? "";
    for (const match of firstCell.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(match[1] as string);
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("configuration", () => {
  it("the README table lists exactly the variables src/config.ts reads", () => {
    const read = variablesReadByConfig();
    expect(read.size).toBeGreaterThan(20);
    expect([...variablesInReadme()].sort()).toEqual([...read].sort());
  });

  it("no other file of src/ reads the environment", () => {
    const readers = sourceFiles(join(ROOT, "src"))
      .filter((file) => !file.endsWith("src/config.ts"))
      .filter((file) => /process\.env\[[^\]]+\](?!\s*\?\?=)/.test(readFileSync(file, "utf8")));
    expect(readers).toEqual([]);
  });

  it("reads the jobflow project and the job-load interval", () => {
    expect(loadConfig({}).jobflow).toEqual(DEFAULT_JOBFLOW);
    expect(loadConfig({}).jobLoadIntervalSeconds).toBeNull();
    const config = loadConfig({
      HUBQL_JOBFLOW_WORKERS: "w1, w2",
      HUBQL_JOBFLOW_DELTA_RETRY: "1,2",
      HUBQL_JOB_LOAD_INTERVAL_SECONDS: "60",
    });
    expect(config.jobflow).toMatchObject({ workers: ["w1", "w2"], execConfigs: null, deltaRetrySeconds: [1, 2] });
    expect(config.jobLoadIntervalSeconds).toBe(60);
    expect(() => loadConfig({ HUBQL_JOBFLOW_LOCK_TTL_SECONDS: "0" })).toThrow(/HUBQL_JOBFLOW_LOCK_TTL_SECONDS/);
    expect(() => loadConfig({ HUBQL_JOB_LOAD_INTERVAL_SECONDS: "1.5" })).toThrow(/HUBQL_JOB_LOAD_INTERVAL_SECONDS/);
  });
});
