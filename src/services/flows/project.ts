import { badInput } from "../../errors";

/**
 * The jobflow-remote "project" settings hubql needs (jobflow-remote.md §6.11, §8, §4), read once from the
 * environment. There is no project file: workers and exec configs are names listed in env; unset lists accept any
 * name (a gateway without a project configured does not reject workers it cannot know about).
 */
export interface JobflowProject {
  /** HUBQL_JOBFLOW_WORKERS, comma-separated; null = any worker name. */
  readonly workers: readonly string[] | null;
  /** HUBQL_JOBFLOW_EXEC_CONFIGS, comma-separated names; null = any name. */
  readonly execConfigs: readonly string[] | null;
  /** HUBQL_JOBFLOW_DB_ID_PREFIX (`db_id_prefix`), default "". */
  readonly dbIdPrefix: string;
  /** HUBQL_JOBFLOW_LOCK_TTL_SECONDS: default lease length, 300. */
  readonly lockTtlSeconds: number;
  /** HUBQL_JOBFLOW_MAX_STEP_ATTEMPTS (RunnerOptions.max_step_attempts), 3. */
  readonly maxStepAttempts: number;
  /** HUBQL_JOBFLOW_DELTA_RETRY (RunnerOptions.delta_retry) in seconds, "30,300,1200". */
  readonly deltaRetrySeconds: readonly number[];
}

export function loadJobflowProject(env: NodeJS.ProcessEnv = process.env): JobflowProject {
  return {
    workers: names(env["HUBQL_JOBFLOW_WORKERS"]),
    execConfigs: names(env["HUBQL_JOBFLOW_EXEC_CONFIGS"]),
    dbIdPrefix: env["HUBQL_JOBFLOW_DB_ID_PREFIX"] ?? "",
    lockTtlSeconds: positive(env, "HUBQL_JOBFLOW_LOCK_TTL_SECONDS", 300),
    maxStepAttempts: positive(env, "HUBQL_JOBFLOW_MAX_STEP_ATTEMPTS", 3),
    deltaRetrySeconds: (env["HUBQL_JOBFLOW_DELTA_RETRY"] ?? "30,300,1200").split(",").map((part) => {
      const value = Number(part.trim());
      if (!Number.isFinite(value) || value < 0)
        throw new Error(`HUBQL_JOBFLOW_DELTA_RETRY must list seconds, got '${part}'`);
      return value;
    }),
  };
}

export function checkWorker(project: JobflowProject, worker: string): void {
  if (project.workers && !project.workers.includes(worker)) {
    throw badInput(
      `worker ${worker} is not present in the project (HUBQL_JOBFLOW_WORKERS: ${project.workers.join(", ")})`,
      "worker",
    );
  }
}

export function checkExecConfig(project: JobflowProject, execConfig: unknown): void {
  if (typeof execConfig === "string" && project.execConfigs && !project.execConfigs.includes(execConfig)) {
    throw badInput(
      `exec_config ${execConfig} is not present in the project (HUBQL_JOBFLOW_EXEC_CONFIGS: ${project.execConfigs.join(", ")})`,
      "execConfig",
    );
  }
}

function names(raw: string | undefined): string[] | null {
  if (raw === undefined || raw.trim() === "") return null;
  return raw
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}
