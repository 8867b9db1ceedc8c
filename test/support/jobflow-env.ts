/**
 * The Python side of the jobflow integration test: a cached virtualenv with the jobflow stack and
 * `integrations/jobflow` installed, and helpers to run the driver script and workers in it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";

import {
  command,
  ensureVenv,
  findPython,
  indexSkipReason,
  type Interpreter,
  PIP_ENV,
  REPO_ROOT,
  sharedWheels,
  type Venv,
} from "./python-env";

export const INTEGRATION = path.join(REPO_ROOT, "integrations", "jobflow");
/** driver.py and the test flows (workers import them: PYTHONPATH). */
export const DRIVER_DIR = path.join(REPO_ROOT, "test", "integrations", "jobflow");

/** The wheels of ../shared/wheels the stack needs (jobflow, jobflow-remote and their unpublished dependencies). */
const WHEEL_PREFIXES = [
  "jobflow-",
  "jobflow_remote-",
  "maggma-",
  "monty-",
  "pydash-",
  "mongomock-",
  "mongomock_ng-",
  "qtoolkit-",
  "fabric-",
  "schedule-",
  "sentinels-",
  "flufl_lock-",
];

/**
 * The Python for the test, or why it cannot run: no Python ≥ 3.11 with venv, or no wheels folder and a package
 * index without the pinned jobflow.
 */
export function jobflowPython(): { readonly python: Interpreter } | { readonly skip: string } {
  const found = findPython([3, 11]);
  if ("skip" in found || sharedWheels()) return found;
  const skip = indexSkipReason(found.python, "jobflow==0.3.1");
  return skip ? { skip } : found;
}

/** setuptools builds integrations/jobflow without build isolation (nothing fetched per install). */
const BUILD_TOOLS = ["setuptools>=70.1", "wheel"];

/**
 * The virtualenv: with ../shared/wheels, its requirements file then its wheels (`--no-deps`, as its README says);
 * otherwise the pinned releases from requirements-fallback.txt through plain pip.
 */
export function jobflowVenv(python: Interpreter, log?: (line: string) => void): Promise<Venv> {
  const folder = sharedWheels();
  if (folder) {
    const requirements = path.join(folder, "jobflow-requirements.txt");
    const wheels = readdirSync(folder)
      .filter((name) => name.endsWith(".whl") && WHEEL_PREFIXES.some((prefix) => name.startsWith(prefix)))
      .sort()
      .map((name) => path.join(folder, name));
    return ensureVenv({
      name: "jobflow",
      python,
      steps: [
        ["--quiet", "-r", requirements, ...BUILD_TOOLS],
        ["--quiet", "--no-deps", ...wheels],
      ],
      inputs: [requirements, ...wheels],
      localPackages: [INTEGRATION],
      log,
    });
  }
  const requirements = path.join(DRIVER_DIR, "requirements-fallback.txt");
  return ensureVenv({
    name: "jobflow-pypi",
    python,
    steps: [["--quiet", "-r", requirements, ...BUILD_TOOLS]],
    inputs: [requirements],
    localPackages: [INTEGRATION],
    log,
  });
}

/** Environment of every Python process of the test: the flows importable, the pip settings, no user site. */
export function pythonEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...PIP_ENV, PYTHONPATH: DRIVER_DIR, PYTHONNOUSERSITE: "1", ...extra };
}

/** Runs driver.py with the arguments; returns its JSON answer. */
export async function driver<T>(venv: Venv, args: readonly string[], env: Record<string, string> = {}): Promise<T> {
  const stdout = await command(venv.python, [path.join(DRIVER_DIR, "driver.py"), ...args], undefined, pythonEnv(env));
  return JSON.parse(stdout) as T;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it logged (stderr), for failure messages. */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Starts `python -m hubql_jobflow.worker`; `stop()` sends SIGTERM and waits (SIGKILL after 10 s). */
export function startWorker(venv: Venv, args: readonly string[], env: Record<string, string>): WorkerProcess {
  const child = spawn(venv.python, ["-m", "hubql_jobflow.worker", ...args], {
    env: pythonEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    child,
    log: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
