import { RowCodec } from "../../db/row-codec";
import { type Instant, instantNow } from "../../dialect";
import { badInput, invalidState, limitExceeded } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import { type Connection, insertRows, queryPage, readFields, rowsByKey, sortKeys, TABLES } from "../sql";
import type { JobTypesService } from "./job-types.service";
import { validatePriorityConfiguration } from "./job-types.service";
import type { QueueOperationsService } from "./queue-operations.service";
import { SCALE_JOB_CATALOGUE, SCALE_JOB_STATUSES, type ScaleJobRow } from "./queue.model";
import { assertStorable } from "./storable";

/**
 * A job to create. Status and counters may be given so a store can be seeded with jobs in any state (imports,
 * tests); a normal new job is PENDING with num_exes 0 and the type's max_tries (§2).
 */
export type ScaleJobInput = Partial<Omit<ScaleJobRow, "id" | "created" | "lastModified">> & { jobTypeId: number };

export interface ListScaleJobsArgs {
  readonly filter?: unknown;
  readonly first?: number | null;
  readonly after?: string | null;
  /** Properties to read; all when omitted. id is always read. */
  readonly fields?: readonly string[];
}

/** Scale jobs (scale-queue.md §2): created here, queued through QueueOperationsService. */
export class ScaleJobsService {
  private readonly codec: RowCodec;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly jobTypes: JobTypesService,
    private readonly queueJobs: QueueOperationsService,
  ) {
    this.codec = new RowCodec(SCALE_JOB_CATALOGUE, ctx.dialect);
  }

  /**
   * Creates jobs atomically. With `queue`, each is then queued for the first time in the same transaction, as
   * `queue_new_job_v6` does (§3.7): its type must be active, and a job with input comes back QUEUED.
   */
  async create(inputs: readonly ScaleJobInput[], queue = false): Promise<ScaleJobRow[]> {
    const db = this.ctx.requireDb();
    if (inputs.length > this.ctx.limits.maxBatchSize) {
      throw limitExceeded(
        `createScaleJobs takes at most ${this.ctx.limits.maxBatchSize} jobs per call (HUBQL_MAX_BATCH_SIZE)`,
        {
          maximum: this.ctx.limits.maxBatchSize,
        },
      );
    }
    if (inputs.length === 0) return [];
    assertStorable(inputs, "jobs");
    const types = await this.jobTypes.getMany(inputs.map((input) => input.jobTypeId));
    const now = instantNow();
    const rows = inputs.map((input, index) => {
      const jobType = types[index];
      if (!jobType) throw badInput(`jobs[${index}]: no job type with id ${input.jobTypeId}`, "jobs", { index });
      if (queue && !jobType.isActive) {
        throw invalidState(
          `jobs[${index}]: job type '${jobType.name}' ${jobType.version} is inactive; its jobs cannot be queued`,
          { index },
        );
      }
      return completeJob(input, jobType.maxTries, now, index);
    });
    const ids = await db.transaction(async (tx) => {
      const created = await insertRows<ScaleJobRow>(tx, {
        table: TABLES.scaleJobs,
        codec: this.codec,
        properties: Object.keys(rows[0]!),
        rows,
        returningOrderedBy: "id",
      });
      if (queue) await this.queueJobs.queueCreated(tx, created);
      return created.map((job) => job.id);
    });
    return (await this.getMany(ids)) as ScaleJobRow[];
  }

  async getMany(ids: readonly number[], fields?: readonly string[]): Promise<(ScaleJobRow | null)[]> {
    return rowsByKey<ScaleJobRow, number>(this.ctx.requireDb(), {
      table: TABLES.scaleJobs,
      codec: this.codec,
      property: "id",
      keys: ids,
      fields: fields && readFields(this.codec, fields, ["id"]),
    });
  }

  /** Jobs matching a filter, by id. */
  async list(args: ListScaleJobsArgs): Promise<Connection<ScaleJobRow>> {
    return queryPage<ScaleJobRow>(this.ctx.requireDb(), {
      table: TABLES.scaleJobs,
      codec: this.codec,
      fields: args.fields && readFields(this.codec, args.fields, ["id"]),
      where: this.ctx.where(args.filter, SCALE_JOB_CATALOGUE),
      keys: sortKeys(this.codec, [], { property: "id" }),
      first: args.first,
      after: args.after,
      limits: this.ctx.limits,
    });
  }
}

function completeJob(input: ScaleJobInput, typeMaxTries: number, now: Instant, index: number): Omit<ScaleJobRow, "id"> {
  const where = `jobs[${index}]`;
  const status = input.status ?? "PENDING";
  if (!SCALE_JOB_STATUSES.includes(status))
    throw badInput(`${where}.status must be one of ${SCALE_JOB_STATUSES.join(", ")}`, "jobs");
  const numExes = input.numExes ?? 0;
  if (!Number.isInteger(numExes) || numExes < 0)
    throw badInput(`${where}.numExes must be a non-negative integer`, "jobs");
  const maxTries = input.maxTries ?? typeMaxTries;
  if (!Number.isInteger(maxTries) || maxTries < 1) throw badInput(`${where}.maxTries must be an integer ≥ 1`, "jobs");
  if (input.inputFileSize !== null && input.inputFileSize !== undefined && !(input.inputFileSize >= 0)) {
    throw badInput(`${where}.inputFileSize must be ≥ 0 (MiB)`, "jobs");
  }
  if (
    input.batchPriority !== null &&
    input.batchPriority !== undefined &&
    !(Number.isInteger(input.batchPriority) && input.batchPriority >= 1)
  ) {
    throw badInput(`${where}.batchPriority must be an integer ≥ 1`, "jobs");
  }
  validatePriorityConfiguration(input.configuration ?? null, "jobs");
  return {
    jobTypeId: input.jobTypeId,
    status,
    input: input.input ?? null,
    inputFileSize: input.inputFileSize ?? null,
    numExes,
    maxTries,
    configuration: input.configuration ?? null,
    recipeId: input.recipeId ?? null,
    batchId: input.batchId ?? null,
    batchPriority: input.batchPriority ?? null,
    isSuperseded: input.isSuperseded ?? false,
    node: input.node ?? null,
    errorCategory: input.errorCategory ?? null,
    queued: input.queued ?? null,
    started: input.started ?? null,
    ended: input.ended ?? null,
    lastStatusChange: input.lastStatusChange ?? now,
    created: now,
    lastModified: now,
  };
}
