/**
 * The built server as `npm start` runs it (`node dist/src/server/main.js`), in its own process: for tests about
 * what only a real process shows (NODE_ENV, signals, crashes). `npm test` builds first; a bare `vitest run` of such
 * a file builds here.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "../..");
const MAIN = join(ROOT, "dist/src/server/main.js");

export interface BuiltServer {
  readonly process: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export function ensureBuilt(): void {
  if (!existsSync(MAIN)) {
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
        cwd: ROOT,
        stdio: "ignore",
      });
    } catch {
      // emitted anyway (type errors elsewhere do not block emit); checked next
    }
  }
  if (!existsSync(MAIN)) throw new Error(`${MAIN} missing: run npm run build`);
}

/** Starts the server on a free loopback port (auth off unless `env` says otherwise) and waits until it listens. */
export async function startBuiltServer(env: Record<string, string>): Promise<BuiltServer> {
  ensureBuilt();
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      HUBQL_TOKENS: "",
      HUBQL_TOKENS_FILE: "",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A server that never listened must not outlive the test.
      child.kill("SIGKILL");
      reject(new Error(`server did not start:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    process: child,
    url,
    output: () => output,
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
