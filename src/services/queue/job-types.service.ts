import { isUniqueViolation } from "../../db/driver-errors";
import { RowCodec } from "../../db/row-codec";
import { type Instant, instantNow } from "../../dialect";
import { badInput, notFound } from "../../errors";
import type { ServiceContext } from "../shared/service-context";
import { insertRows, query, returningList, readFields, rowsByKey, selectRows, TABLES, TRUE } from "../sql";
import { configuredPriority } from "./job-rules";
import { DEFAULT_MAX_TRIES, JOB_TYPE_CATALOGUE, type JobTypeRow } from "./queue.model";
import { assertStorable } from "./storable";

export type JobTypeInput = Partial<Omit<JobTypeRow, "id" | "created" | "lastModified">> & {
  name: string;
  version: string;
};

export type JobTypePatch = Partial<
  Pick<JobTypeRow, "isActive" | "isPaused" | "maxTries" | "configuration" | "unmetResources">
>;

/** Scale job types (scale-queue.md §2, §4.2): created and paused here, read by the queue. */
export class JobTypesService {
  private readonly codec: RowCodec;

  constructor(private readonly ctx: ServiceContext) {
    this.codec = new RowCodec(JOB_TYPE_CATALOGUE, ctx.dialect);
  }

  async create(input: JobTypeInput): Promise<JobTypeRow> {
    const db = this.ctx.requireDb();
    assertStorable(input, "input");
    const row = completeJobType(input, instantNow());
    try {
      const [stored] = await insertRows<JobTypeRow>(db, {
        table: TABLES.jobTypes,
        codec: this.codec,
        properties: Object.keys(row),
        rows: [row],
        returningOrderedBy: "id",
      });
      return stored!;
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw badInput(`A job type named '${input.name}' version '${input.version}' already exists`, "input");
      }
      throw error;
    }
  }

  async update(id: number, patch: JobTypePatch): Promise<JobTypeRow> {
    const db = this.ctx.requireDb();
    assertStorable(patch, "patch");
    validateSettings(patch);
    const entries = Object.entries(patch).filter(([, value]) => value !== undefined);
    const rows = await query(db, (q) => {
      const sets = entries.map(
        ([property, value]) => `"${this.codec.field(property).column}" = ${q.bind(this.codec.encode(property, value))}`,
      );
      sets.push(`"last_modified" = ${q.bind(this.codec.encode("lastModified", instantNow()))}`);
      return `UPDATE "${TABLES.jobTypes}" SET ${sets.join(", ")} WHERE "id" = ${q.bind(id)} RETURNING ${returningList(this.codec)}`;
    });
    if (!rows[0]) throw notFound(`No job type with id ${id}`, { id });
    return this.codec.decode<JobTypeRow>(rows[0]);
  }

  async get(id: number): Promise<JobTypeRow | null> {
    return (await this.getMany([id]))[0] ?? null;
  }

  /** Job types by id in one statement (the DataLoader and `_entities` use it). */
  async getMany(ids: readonly number[], fields?: readonly string[]): Promise<(JobTypeRow | null)[]> {
    return rowsByKey<JobTypeRow, number>(this.ctx.requireDb(), {
      table: TABLES.jobTypes,
      codec: this.codec,
      property: "id",
      keys: ids,
      fields: fields && readFields(this.codec, fields, ["id"]),
    });
  }

  /** Every job type by name and version; a store holds tens of them, not thousands. */
  async list(): Promise<JobTypeRow[]> {
    return selectRows<JobTypeRow>(this.ctx.requireDb(), {
      table: TABLES.jobTypes,
      codec: this.codec,
      where: TRUE,
      orderBy: `t."name", t."version", t."id"`,
    });
  }
}

/** Defaults of a new type; title, description and timeout come from the manifest's `job` section when not given. */
/** Most resources one job type declares: a bound the cost estimate relies on (JobType.resources). */
export const MAX_JOB_TYPE_RESOURCES = 32;

function completeJobType(input: JobTypeInput, now: Instant): Omit<JobTypeRow, "id"> {
  if (!input.name.trim()) throw badInput("A job type needs a non-empty name", "input");
  if (!input.version.trim()) throw badInput("A job type needs a non-empty version", "input");
  validateSettings(input);
  const manifest = input.manifest ?? {};
  const job = (manifest["job"] ?? {}) as Record<string, unknown>;
  const timeout = input.timeout ?? (typeof job["timeout"] === "number" ? job["timeout"] : 1800);
  if (!Number.isInteger(timeout) || timeout < 1)
    throw badInput("timeout must be a positive number of seconds", "input");
  if ((input.resources ?? []).length > MAX_JOB_TYPE_RESOURCES) {
    throw badInput(`A job type declares at most ${MAX_JOB_TYPE_RESOURCES} resources`, "input");
  }
  for (const resource of input.resources ?? []) {
    if (!Number.isFinite(resource.value) || resource.value < 0 || (resource.inputMultiplier ?? 0) < 0) {
      throw badInput(`resource '${resource.name}' needs a non-negative value and inputMultiplier`, "input");
    }
  }
  return {
    name: input.name,
    version: input.version,
    title: input.title ?? (typeof job["title"] === "string" ? job["title"] : null),
    description: input.description ?? (typeof job["description"] === "string" ? job["description"] : null),
    isActive: input.isActive ?? true,
    isSystem: input.isSystem ?? false,
    isPaused: input.isPaused ?? false,
    isPublished: input.isPublished ?? false,
    isLongRunning: input.isLongRunning ?? false,
    iconCode: input.iconCode ?? null,
    unmetResources: input.unmetResources ?? null,
    maxTries: input.maxTries ?? DEFAULT_MAX_TRIES,
    configuration: input.configuration ?? {},
    manifest,
    dockerImage: input.dockerImage ?? "",
    timeout,
    resources: input.resources ?? [],
    created: now,
    lastModified: now,
  };
}

function validateSettings(settings: Pick<JobTypePatch, "maxTries" | "configuration">): void {
  if (settings.maxTries !== undefined && (!Number.isInteger(settings.maxTries) || settings.maxTries < 1)) {
    throw badInput("maxTries must be an integer ≥ 1", "maxTries");
  }
  validatePriorityConfiguration(settings.configuration ?? null, "configuration");
}

/** A configured priority must be an integer ≥ 1 (scale-queue.md §1.1). */
export function validatePriorityConfiguration(configuration: Record<string, unknown> | null, argument: string): void {
  if (configuration && "priority" in configuration) {
    const priority = configuredPriority(configuration);
    if (priority === null || priority < 1) throw badInput("configuration.priority must be an integer ≥ 1", argument);
  }
}
