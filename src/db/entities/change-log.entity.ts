import { EntitySchema } from "typeorm";

import type { Dialect } from "../../dialect";
import { columnTypes } from "./column-types";
import { TABLES } from "./tables";

/**
 * The change log (docs/subscriptions.md): database triggers on the watched tables (task records, jobs, flows,
 * queue entries) append one row per changed row while some gateway has a subscriber, in the writer's own
 * transaction — so a rolled-back write leaves nothing, and a committed one is readable exactly when it commits.
 * Readers never update it; any reader prunes rows older than a few minutes.
 */
export interface ChangeLogRow {
  id: number;
  /** Postgres: the writing transaction (`pg_current_xact_id()`), which the commit notification names; SQLite: null. */
  tx: number | null;
  /** `TaskRecord`, `Job`, `Flow` or `QueueEntry`. */
  entity: string;
  /** `ADDED`, `UPDATED` or `DELETED`. */
  kind: string;
  /** The row's key as text; null for a bulk announcement. */
  key: string | null;
  /** DELETED only: the row before the delete (JSON of its columns); null when the delete was bulk. */
  before: unknown;
  /** A bulk announcement: how many rows one statement (Postgres) or one key-only log row (SQLite) stands for. */
  bulk: number | null;
  /** Epoch milliseconds, for pruning. */
  createdAt: number;
}

export function changeLogEntity(dialect: Dialect): EntitySchema<ChangeLogRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<ChangeLogRow>({
    name: "ChangeLog",
    tableName: TABLES.changeLog,
    columns: {
      id: { type: t.bigint, primary: true, generated: "increment" },
      tx: { type: t.bigint, nullable: true },
      entity: { type: t.text },
      kind: { type: t.text },
      key: { type: t.text, nullable: true },
      before: { type: t.json, nullable: true },
      bulk: { type: t.bigint, nullable: true },
      createdAt: { name: "created_at", type: t.bigint },
    },
    indices: [
      { name: "idx_change_log_tx", columns: ["tx"] },
      { name: "idx_change_log_created_at", columns: ["createdAt"] },
    ],
  });
}

/**
 * Gateways with subscribers, each holding a lease it renews: the triggers capture only while one is unexpired,
 * so a store nobody subscribes to pays (almost) nothing for the feature.
 */
export interface ChangeListenerRow {
  listener: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export function changeListenerEntity(dialect: Dialect): EntitySchema<ChangeListenerRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<ChangeListenerRow>({
    name: "ChangeListener",
    tableName: TABLES.changeListeners,
    columns: {
      listener: { type: t.text, primary: true },
      expiresAt: { name: "expires_at", type: t.bigint },
    },
  });
}

/**
 * Per watched entity, how many deletions may still carry a before-image: per statement on Postgres, between two
 * reads of the log on SQLite (the reader refills it). Deletions beyond are logged as a bulk change.
 */
export interface ChangeCaptureRow {
  entity: string;
  deleteImages: number;
}

export function changeCaptureEntity(dialect: Dialect): EntitySchema<ChangeCaptureRow> {
  const t = columnTypes(dialect);
  return new EntitySchema<ChangeCaptureRow>({
    name: "ChangeCapture",
    tableName: TABLES.changeCapture,
    columns: {
      entity: { type: t.text, primary: true },
      deleteImages: { name: "delete_images", type: t.integer },
    },
  });
}
