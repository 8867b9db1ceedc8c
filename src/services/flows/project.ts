import type { JobflowConfig } from "../../config";
import { badInput } from "../../errors";

/** The jobflow-remote project settings (src/config.ts `jobflow`), as the flow services use them. */
export type JobflowProject = JobflowConfig;

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
