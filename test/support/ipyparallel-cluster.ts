/**
 * A real ipyparallel cluster for tests: one controller (the Hub and its schedulers, one process group) and two
 * engines, all in a folder of their own (profile, IPython and Jupyter dirs), started from the test virtualenv.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import { startGroup, type GroupProcess } from "./process-group";

const START_TIMEOUT_MS = 120_000;

export interface Cluster {
  readonly profileDir: string;
  /** Engines see it as HUBQL_WORKLOAD_DIR (the workload's release flags live there). */
  readonly workDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly controller: GroupProcess;
  readonly engines: readonly GroupProcess[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  readonly python: string;
  readonly dir: string;
  /** Controller options, e.g. `--IPController.db_class=SQLiteDB`. */
  readonly controllerArgs: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** Environment that keeps IPython and Jupyter inside `dir` (nothing in $HOME, whoever runs the test). */
export function clusterEnv(dir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    IPYTHONDIR: join(dir, "ipython"),
    JUPYTER_CONFIG_DIR: join(dir, "jupyter/config"),
    JUPYTER_DATA_DIR: join(dir, "jupyter/data"),
    JUPYTER_RUNTIME_DIR: join(dir, "jupyter/runtime"),
    JUPYTER_PLATFORM_DIRS: "1",
    HUBQL_WORKLOAD_DIR: join(dir, "work"),
    PYTHONUNBUFFERED: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    ...extra,
  };
}

/**
 * Starts the controller, then the engines one at a time: the task scheduler then lists them in id order, so
 * load-balanced tasks land on the same engines in every run.
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { python, dir } = options;
  const profileDir = join(dir, "profile");
  const workDir = join(dir, "work");
  mkdirSync(workDir, { recursive: true });
  const env = clusterEnv(dir, options.env);
  const controller = startGroup(
    "ipcontroller",
    python,
    [
      "-m",
      "ipyparallel.controller",
      `--profile-dir=${profileDir}`,
      "--ip=127.0.0.1",
      // Engines register after their first heartbeats: 1 s instead of 3 s makes start-up faster.
      "--HeartMonitor.period=1000",
      ...options.controllerArgs,
    ],
    { env, cwd: dir, logFile: join(dir, "controller.log") },
  );
  const engines: GroupProcess[] = [];
  const stop = async () => {
    await Promise.all([...engines, controller].map((child) => child.stop()));
  };
  try {
    await controller.waitFor(
      /writing connection info to .*ipcontroller-engine\.json/,
      START_TIMEOUT_MS,
      "connection files",
    );
    for (const id of [0, 1]) {
      engines.push(
        startGroup(
          `ipengine ${id}`,
          python,
          // No nanny: it runs in a session of its own, out of reach of the group kill.
          ["-m", "ipyparallel.engine", `--profile-dir=${profileDir}`, "--IPEngine.enable_nanny=False"],
          { env, cwd: dir, logFile: join(dir, `engine${id}.log`) },
        ),
      );
      await controller.waitFor(new RegExp(`Engine Connected: ${id}\\b`), START_TIMEOUT_MS, `engine ${id}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { profileDir, workDir, env, controller, engines, stop };
}
