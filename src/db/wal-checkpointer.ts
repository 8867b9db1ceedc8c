import { setTimeout as sleep } from "node:timers/promises";

import type { SqliteThread } from "./sqlite-thread";

/**
 * Least time between the starts of two checkpoints: a trickle of small commits costs at most 40 checkpoints (two
 * fsyncs each) a second. Ingest of 1,000-record batches, median per batch: 83–86 ms with no spacing, 79–87 ms with
 * 25 ms, 92–94 ms with 100 ms (the checkpoint then tends to start during the next batch's INSERTs).
 */
export const CHECKPOINT_SPACING_MS = 25;

/**
 * WAL pages (8 MiB of 4 KiB pages) past which a write first waits for the checkpoints of what is committed, so that
 * it starts the WAL over. SQLite writes from the WAL's beginning again only when a write transaction finds every
 * frame copied back; a writer that never pauses always starts before the checkpoint of its last commit ends, and
 * the WAL would grow until the writer's own autocheckpoint.
 */
export const WAL_RESTART_PAGES = 2_000;

/**
 * How long the checkpointer's thread stays after its last checkpoint. A worker thread costs about 10 MiB of memory
 * (measured: process RSS per thread started), which a server that is only read needs for nothing else.
 */
export const CHECKPOINTER_IDLE_MS = 10_000;

/**
 * WAL pages after which the writer checkpoints in its own commit (SQLite's default is 1,000): only when the
 * background checkpoints keep failing, so that the WAL stays bounded even then (40 MiB of 4 KiB pages).
 */
export const WRITER_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * Copies committed WAL frames back into the database file on a connection and thread of its own, so that commits
 * do not wait for it. By default SQLite checkpoints in the commit that takes the WAL past 1,000 pages: with 1,000
 * task records a commit, that was every commit, 37 of its 47 ms (the INSERTs before it took 29 ms), and the request
 * waited for it. A PASSIVE checkpoint takes no lock that the writer or the readers need, so it runs beside them; it
 * copies what no reader still needs, and the frames left go with a later one.
 *
 * `written()` after every commit asks for one; requests made while one runs or waits are served by the next. The
 * thread starts with the first request and stops after CHECKPOINTER_IDLE_MS without one.
 * `room()` before a write holds it back only while the WAL is past WAL_RESTART_PAGES. A checkpoint that fails
 * (another process's checkpoint holds the lock, a full disk) is left to the next write; the writer's own
 * autocheckpoint (WRITER_AUTOCHECKPOINT_PAGES) bounds the WAL if they keep failing.
 */
export class WalCheckpointer {
  private thread: SqliteThread | null = null;
  private idle: NodeJS.Timeout | undefined;
  private pending = false;
  private running: Promise<void> | null = null;
  private lastStart = -Infinity;
  /** Frames in the WAL when the last checkpoint ended (copied back or not). */
  private walPages = 0;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly spawn: () => SqliteThread,
    private readonly idleMs = CHECKPOINTER_IDLE_MS,
  ) {}

  /** Something was committed: its frames are copied by a checkpoint that starts after this call. */
  written(): void {
    if (this.closed) return;
    this.pending = true;
    clearTimeout(this.idle);
    this.running ??= this.drain().finally(() => {
      this.running = null;
      if (!this.closed) this.idle = setTimeout(() => this.stopThread(), this.idleMs).unref();
    });
  }

  /** Before a write: past WAL_RESTART_PAGES, waits until what is committed has been checkpointed. */
  async room(): Promise<void> {
    if (this.walPages >= WAL_RESTART_PAGES) await this.running;
  }

  /** Waits for a checkpoint in progress (none starts after this), then closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.stop.abort();
    clearTimeout(this.idle);
    await this.running;
    await this.stopThread();
  }

  private stopThread(): Promise<void> {
    const thread = this.thread;
    this.thread = null;
    return thread ? thread.retire() : Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.closed) {
      const wait = this.lastStart + CHECKPOINT_SPACING_MS - performance.now();
      // A referenced timer: a write may be waiting in room(), and in a process that only writes (the import CLI)
      // nothing else keeps the event loop alive; unreferenced, the process ended there, silently.
      if (wait > 0) await sleep(wait, undefined, { signal: this.stop.signal }).catch(() => undefined);
      if (this.closed) return;
      this.pending = false;
      this.lastStart = performance.now();
      if (!this.thread || this.thread.retired) this.thread = this.spawn();
      try {
        const { rows } = await this.thread.call("PRAGMA wal_checkpoint(PASSIVE)", []);
        this.walPages = Number(rows[0]?.["log"] ?? 0);
      } catch {
        // Left to the next write's checkpoint (see the class).
      }
    }
  }
}
