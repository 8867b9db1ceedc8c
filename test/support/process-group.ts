/**
 * Child processes for tests that run real servers: each in its own process group, so stopping it also stops
 * whatever it started (ipcontroller's schedulers, for one); output kept for waiting on log lines and for failure
 * messages; every group still alive is killed when the test process exits, however it exits.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { appendFileSync } from "node:fs";

/** Output kept per process for matching and messages (the tail of long logs). */
const KEPT_OUTPUT = 2_000_000;
const STOP_GRACE_MS = 5_000;

const alive = new Set<ChildProcess>();
const aliveSingles = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of alive) killGroup(child, "SIGKILL");
  for (const child of aliveSingles) child.kill("SIGKILL");
});

/** Kills a child started elsewhere (not in a group of its own) when the test process exits, if it still runs. */
export function killOnExit(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  aliveSingles.add(child);
  child.once("exit", () => aliveSingles.delete(child));
}

export interface GroupProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** stdout and stderr as they arrived (at most the last 2 MB). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the leader exits. */
  readonly exited: Promise<number | string>;
  /** Resolves with the first regex match in the output, or rejects after `timeoutMs` or when the process exits. */
  waitFor(pattern: RegExp, timeoutMs: number, what?: string): Promise<RegExpExecArray>;
  /** Writes a line to stdin. */
  send(line: string): void;
  /** SIGTERM to the group, then SIGKILL after a grace period (or at once with `kill`); resolves once exited. */
  stop(how?: "term" | "kill"): Promise<void>;
}

export interface GroupOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also append everything the process writes to this file (kept for debugging a failed run). */
  readonly logFile?: string;
  readonly stdin?: boolean;
}

export function startGroup(name: string, command: string, args: readonly string[], options: GroupOptions = {}) {
  const spawnOptions: SpawnOptions = {
    cwd: options.cwd,
    env: options.env ?? process.env,
    // detached: the child leads a new process group, which stop() signals as a whole.
    detached: true,
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
  };
  const child = spawn(command, [...args], spawnOptions);
  alive.add(child);
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-KEPT_OUTPUT);
    if (options.logFile) appendFileSync(options.logFile, text);
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      alive.delete(child);
      // Whatever the leader left behind in its group goes too.
      killGroup(child, "SIGKILL");
      resolve(code ?? signal ?? "unknown");
      for (const listener of listeners) listener();
    });
    child.once("error", (error) => {
      alive.delete(child);
      output += `\n[spawn error] ${error.message}\n`;
      resolve("spawn-error");
      for (const listener of listeners) listener();
    });
  });
  let exitStatus: number | string | null = null;
  void exited.then((status) => (exitStatus = status));

  const group: GroupProcess = {
    name,
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs, what = String(pattern)) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) return finish(() => resolve(match));
          if (exitStatus !== null) {
            finish(() => reject(new Error(`${name} exited (${exitStatus}) before ${what}:\n${tail(output)}`)));
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${name}: no ${what} within ${timeoutMs} ms:\n${tail(output)}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    send(line) {
      child.stdin?.write(`${line}\n`);
    },
    async stop(how = "term") {
      if (exitStatus !== null) return;
      killGroup(child, how === "kill" ? "SIGKILL" : "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), how === "kill" ? 0 : STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
  return group;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** The last lines of a log, for error messages. */
export function tail(text: string, lines = 60): string {
  return text.split("\n").slice(-lines).join("\n");
}
