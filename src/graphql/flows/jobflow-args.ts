import type { JobSelection, LockOptions } from "../../services/flows/jobflow.model";
import type { JobSelectionArgs, LockArgs } from "./job.args";

/** GraphQL arguments → the jobflow services' option objects. */
export const selection = (args: JobSelectionArgs): JobSelection => ({ ...args });
export const lockOptions = (args: LockArgs): LockOptions => ({ ...args });
