import { Client } from "pg";

import type { Database } from "./database";

/** A LISTEN connection: each notification's payload, and a call when the connection is lost. */
export interface Notifications {
  close(): Promise<void>;
}

/**
 * Opens a dedicated Postgres connection that LISTENs on `channel`. It is outside the pool (a listening connection
 * is held for good, and must not be handed to requests) and runs no statement of hubql's but LISTEN, outside
 * Database (ARCHITECTURE.md, "One point of execution", lists what else is). Postgres delivers a notification only after the
 * notifying transaction commits, in commit order. Losing the connection means losing notifications: `onLost` is
 * called once and the caller decides (the change feed ends its subscriptions so clients re-read).
 */
export async function listen(
  db: Database,
  channel: string,
  onNotification: (payload: string) => void,
  onLost: (error: Error) => void,
): Promise<Notifications> {
  if (db.dialect !== "postgres") throw new Error("LISTEN needs a Postgres store");
  const options = db.dataSource.options as { url?: string };
  const client = new Client({ connectionString: options.url, application_name: "hubql change feed" });
  let closing = false;
  let lost = false;
  const fail = (error: Error) => {
    if (closing || lost) return;
    lost = true;
    onLost(error);
    client.end().catch(() => undefined);
  };
  client.on("notification", (message) => {
    if (message.channel === channel) onNotification(message.payload ?? "");
  });
  client.on("error", fail);
  client.on("end", () => fail(new Error("the change-notification connection ended")));
  await client.connect();
  await client.query(`LISTEN "${channel.replace(/"/g, "")}"`);
  return {
    close: async () => {
      closing = true;
      await client.end().catch(() => undefined);
    },
  };
}
