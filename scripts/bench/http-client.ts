/**
 * A lean GraphQL-over-HTTP client for load: keep-alive sockets, bodies serialised once, answers checked for
 * errors (a benchmark that times error answers measures nothing).
 */
import { Agent, request } from "node:http";

import type { Operation } from "./measure";

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export function post(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}: ${text.slice(0, 500)}`));
          else resolve(text);
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs an operation once and returns its `data`, failing on any GraphQL error. */
export async function graphql<T = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const text = await post(`${url}/graphql`, JSON.stringify({ query, variables }));
  const body = JSON.parse(text) as { data?: T; errors?: unknown[] };
  if (body.errors?.length) throw new Error(`${query.slice(0, 80)}…: ${JSON.stringify(body.errors).slice(0, 800)}`);
  return body.data as T;
}

/** The operation as a load generator calls it: the body is serialised once; an answer with errors fails the run. */
export function graphqlOperation(url: string, query: string, variables?: Record<string, unknown>): Operation {
  const body = JSON.stringify({ query, variables });
  return async () => {
    const text = await post(`${url}/graphql`, body);
    if (text.includes('"errors":[')) throw new Error(`${query.slice(0, 80)}…: ${text.slice(0, 800)}`);
  };
}
