import { EntitySchema } from "typeorm";

import type { Dialect, Instant } from "../../dialect";
import { TABLES } from "./tables";
import { columnTypes } from "./column-types";

/** A msg_id that retention culled (ipython-hub.md §12), so `taskResults` answers CULLED rather than UNKNOWN. */
export interface TaskCulledIdRow {
  msgId: string;
  culledAt: Instant;
  /** `count` or `size`: which retention limit culled it. */
  reason: string;
}

export function taskCulledIdEntity(dialect: Dialect): EntitySchema<TaskCulledIdRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<TaskCulledIdRow>({
    name: "TaskCulledId",
    tableName: TABLES.taskCulledIds,
    columns: {
      msgId: { name: "msg_id", type: t.text, primary: true },
      culledAt: { name: "culled_at", type: t.instant },
      reason: { type: t.text },
    },
  });
}
