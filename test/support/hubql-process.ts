/**
 * hubql as users run it (the built server, see built-server.ts) for tests where something outside the test process
 * talks to it (an ipcontroller), or where it must die and come back on the same port and store.
 */
import { startBuiltServer, type BuiltServer } from "./built-server";
import { killOnExit } from "./process-group";

export interface HubqlProcess {
  readonly server: BuiltServer;
  /** e.g. http://127.0.0.1:41234/graphql */
  readonly graphqlUrl: string;
  readonly port: number;
}

export interface HubqlOptions {
  readonly databaseUrl: string;
  /** 0: an ephemeral port. */
  readonly port?: number;
  /** HUBQL_TOKENS, e.g. "admin:secret". */
  readonly tokens?: string;
}

/** Starts hubql and waits until it listens; it is killed when the test process exits, whatever happens. */
export async function startHubql(options: HubqlOptions): Promise<HubqlProcess> {
  const server = await startBuiltServer({
    DATABASE_URL: options.databaseUrl,
    PORT: String(options.port ?? 0),
    HUBQL_TOKENS: options.tokens ?? "",
  });
  killOnExit(server.process);
  return { server, graphqlUrl: `${server.url}/graphql`, port: Number(new URL(server.url).port) };
}

/** Starts hubql on the port it had before, retrying while the port is still held. */
export async function restartHubql(options: HubqlOptions & { port: number }): Promise<HubqlProcess> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await startHubql(options);
    } catch (error) {
      if (Date.now() > deadline || !/EADDRINUSE/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
