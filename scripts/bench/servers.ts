/**
 * The servers a benchmark talks to, each its own process started as users start it: hubql as `npm start` runs it
 * (`NODE_ENV=production node dist/src/server/main.js`) and the bare-Apollo reference. Peak memory is read from
 * /proc (VmHWM: the most resident memory the process has had).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "../../..");

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Peak resident memory so far, MiB (null where /proc is not there). */
  peakRssMiB(): number | null;
  stop(): Promise<void>;
}

/**
 * hubql on `databaseUrl`, production mode, quiet but for the line that says where it listens. `node` runs it: this
 * process's Node by default; bench/postgraphile runs on Node 22 and starts hubql on the Node it was built for.
 */
export function startHubql(
  databaseUrl: string,
  env: Record<string, string> = {},
  node = process.execPath,
): Promise<ServerProcess> {
  return startNode(node, join(ROOT, "dist/src/server/main.js"), {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    HUBQL_TOKENS: "",
    HUBQL_TOKENS_FILE: "",
    ...env,
  });
}

/**
 * @apollo/server with hubql's schema and no plugins, behind plain node:http (scripts/bench/bare-apollo.ts); given a
 * `taskRecords` answer, it answers that page from memory.
 */
export function startBareApollo(taskRecords?: unknown): Promise<ServerProcess> {
  const page: Record<string, string> =
    taskRecords === undefined ? {} : { BARE_APOLLO_PAGE: JSON.stringify(taskRecords) };
  return startNode(process.execPath, join(ROOT, "dist/scripts/bench/bare-apollo.js"), page);
}

/**
 * The floor under the SQLite list (floor-server.ts): node:http, one worker-thread hop and `sql` on `file`, no GraphQL.
 */
export function startFloor(file: string, sql: string, values: readonly unknown[]): Promise<ServerProcess> {
  return startNode(process.execPath, join(ROOT, "dist/scripts/bench/floor-server.js"), {
    FLOOR_FILE: file,
    FLOOR_SQL: sql,
    FLOOR_VALUES: JSON.stringify(values),
  });
}

/** `node script` as its own process, production mode; ready once it logs `"graphql":"http://…/graphql"`. */
export async function startNode(node: string, script: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(node, [script], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", APOLLO_TELEMETRY_DISABLED: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
      const match = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { url, pid: child.pid ?? 0, peakRssMiB: () => peakRssMiB(child.pid ?? 0), stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
  });
}

export function peakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match?.[1] ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}
