import type { Dialect } from "../../src/dialect";
import type { StoreShape } from "./build-store";
import type { RawStore } from "./raw-store";
import type { ServerProcess } from "./servers";

/** One store under test: its URL, the bare driver on it, and the hubql serving it. */
export interface BenchContext {
  readonly store: Dialect;
  readonly databaseUrl: string;
  readonly raw: RawStore;
  readonly hubql: ServerProcess;
  readonly records: number;
  readonly shape: StoreShape;
  /** Seconds each measurement runs (per side). */
  readonly seconds: number;
  /** Concurrent clients for throughput. */
  readonly clients: number;
}
