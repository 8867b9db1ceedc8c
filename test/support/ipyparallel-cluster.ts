/**
 * A real ipyparallel cluster for tests: one controller (the Hub and its schedulers, one process group) and two
 * engines, all in a folder of their own (profile, IPython and Jupyter dirs), started from the test virtualenv.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

import { startGroup, tail, type GroupProcess } from "./process-group";

const START_TIMEOUT_MS = 120_000;
/** A controller binds 16 sockets with the default scheduler depth; a few spare in case a version binds more. */
const CONTROLLER_PORTS = 24;

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
      ...(await controllerPorts()),
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
    // A scheduler that could not bind dies in its own process while the Hub runs on without it: fail now, clearly,
    // rather than minutes later when its messages are missed.
    if (/Address already in use/.test(controller.output())) {
      throw new Error(`a controller process could not bind its port:\n${tail(controller.output(), 30)}`);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { profileDir, workDir, env, controller, engines, stop };
}

const reserved = new Set<number>();

/**
 * Ports for the controller, below the kernel's ephemeral range. Left to itself, ipyparallel picks each port by
 * binding port 0 and closing it, and binds it later in a scheduler process. A client connection made meanwhile (the
 * suite opens thousands) can take that port as its local one; the scheduler then dies on EADDRINUSE while the Hub
 * runs on. This happened once in CI: the IOPub relay was lost, and no output reached the Hub for the whole run.
 * Ports under the ephemeral range are never handed to connections, so checking that they are free now suffices.
 */
async function controllerPorts(): Promise<string[]> {
  const ephemeralLow = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
  const low = 10_000;
  const high = ephemeralLow - CONTROLLER_PORTS;
  if (!(high > low)) return []; // an unusual range: ipyparallel's own choice
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low));
    const block = Array.from({ length: CONTROLLER_PORTS }, (_, i) => base + i);
    if (block.some((port) => reserved.has(port))) continue;
    if ((await Promise.all(block.map(isFree))).every(Boolean)) {
      for (const port of block) reserved.add(port);
      return [`--IPController.ports=${base}-${base + CONTROLLER_PORTS - 1}`];
    }
  }
  return [];
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}
