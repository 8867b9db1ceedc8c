import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/**
 * A jobflow-remote FlowDoc (jobflow-remote.md §3.2). `jobs`, `ids` and `parents` of the FlowDoc are not stored here:
 * they are derived from the job rows (one source of truth, so a deleted job can never linger in a flow's lists).
 * The lease columns replace MongoLock's `lock_id`/`lock_time` (§4) and add who holds it and until when. `document`
 * is the submitted `Flow.as_dict()` with each job replaced by a placeholder, as exact JSON text (upstream keeps no
 * flow document).
 */
export interface FlowRow {
  uuid: string;
  name: string;
  state: string;
  metadata: Record<string, unknown>;
  /** Flow.as_dict() as submitted, jobs replaced by `{"@hubql_job": {uuid, index}}`; null when none was sent. */
  documentJson: string | null;
  lockId: string | null;
  lockHolder: string | null;
  lockTime: Instant | null;
  lockExpires: Instant | null;
  createdOn: Instant;
  updatedOn: Instant;
}

export function flowEntity(dialect: Dialect): EntitySchema<FlowRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<FlowRow>({
    name: "Flow",
    tableName: TABLES.flows,
    columns: {
      uuid: { type: t.text, primary: true },
      name: { type: t.text },
      state: { type: t.text },
      metadata: { type: t.json },
      documentJson: { name: "document", type: t.text, nullable: true },
      lockId: { name: "lock_id", type: t.text, nullable: true },
      lockHolder: { name: "lock_holder", type: t.text, nullable: true },
      lockTime: { name: "lock_time", type: t.instant, nullable: true },
      lockExpires: { name: "lock_expires", type: t.instant, nullable: true },
      createdOn: { name: "created_on", type: t.instant },
      updatedOn: { name: "updated_on", type: t.instant },
    },
    indices: [
      { name: "idx_flows_state", columns: ["state"] },
      { name: "idx_flows_updated_on", columns: ["updatedOn"] },
      { name: "idx_flows_created_on", columns: ["createdOn"] },
      { name: "idx_flows_name", columns: ["name"] },
      { name: "idx_flows_lock_id", columns: ["lockId"] },
    ],
  });
}
