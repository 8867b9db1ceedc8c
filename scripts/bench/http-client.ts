/**
 * A lean GraphQL-over-HTTP client for load, as wrk and autocannon are: each request is written whole on a kept-alive
 * socket and its answer read by its `content-length` (or its chunks), with no parser or stream objects in between.
 * A POST's answer must be a 200, and a load operation's must have no `errors`: a benchmark that times error answers
 * measures nothing.
 *
 * Why not node:http's client: the bench process shares the machine's two cores with the server it measures, and the
 * client's own work counts in every latency. Measured on the SQLite list (300,000 records, one server, the two
 * clients interleaved): p50 1.68 → 1.53 ms and 1.66 → 1.46 ms, 1,213 → 1,264 and 1,212 → 1,306 req/s with 8 clients.
 */
import { connect, type Socket } from "node:net";

import type { Operation } from "./measure";

const HEAD_END = Buffer.from("\r\n\r\n");

interface Head {
  readonly status: number;
  readonly chunked: boolean;
  readonly bodyStart: number;
  /** Where the body ends, when it has a length. */
  readonly bytes: number;
}

/** A chunked body once its last chunk is in (no trailers: servers here send none); null before. */
function dechunked(buffer: Buffer, start: number): string | null {
  const parts: Buffer[] = [];
  for (let at = start; ;) {
    const line = buffer.indexOf("\r\n", at);
    if (line < 0) return null;
    const size = parseInt(buffer.toString("latin1", at, line), 16);
    const next = line + 2 + size + 2;
    if (next > buffer.length) return null;
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    parts.push(buffer.subarray(line + 2, line + 2 + size));
    at = next;
  }
}

interface Waiting {
  readonly resolve: (answer: { status: number; body: string }) => void;
  readonly reject: (error: Error) => void;
}

/** One kept-alive connection, one request at a time. */
class Connection {
  private readonly socket: Socket;
  private chunks: Buffer[] = [];
  private received = 0;
  /** The answer's head once it has been read. */
  private head: Head | null = null;
  private waiting: Waiting | null = null;
  private failure: Error | null = null;

  constructor(
    readonly origin: string,
    host: string,
    port: number,
  ) {
    this.socket = connect(port, host);
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error(`${origin}: connection closed`)));
  }

  get broken(): boolean {
    return this.failure !== null;
  }

  /** Whether part of the current answer has arrived. */
  get answering(): boolean {
    return this.received > 0;
  }

  /** An idle connection does not keep the process alive. */
  inUse(busy: boolean): void {
    if (busy) this.socket.ref();
    else this.socket.unref();
  }

  send(request: Buffer): Promise<{ status: number; body: string }> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private receive(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (!this.head && !this.readHead()) return;
    const head = this.head as Head;
    if (!head.chunked && this.received < head.bytes) return;
    const whole = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [whole];
    const body = head.chunked ? dechunked(whole, head.bodyStart) : whole.toString("utf8", head.bodyStart, head.bytes);
    if (body === null) return;
    this.chunks = [];
    this.received = 0;
    this.head = null;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.resolve({ status: head.status, body });
  }

  /** Reads the status and how the body is framed once the head is in; false while it is not. */
  private readHead(): boolean {
    const buffered = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    this.chunks = [buffered];
    const end = buffered.indexOf(HEAD_END);
    if (end < 0) return false;
    const text = buffered.toString("latin1", 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
    const chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
    if (!length && !chunked) {
      this.fail(new Error(`${this.origin}: an answer with neither a length nor chunks: ${text.slice(0, 300)}`));
      return false;
    }
    const bodyStart = end + HEAD_END.length;
    this.head = { status: Number(text.slice(9, 12)), chunked, bodyStart, bytes: bodyStart + Number(length?.[1] ?? 0) };
    return true;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(this.failure);
    this.socket.destroy();
  }
}

/** Idle connections by origin; a caller takes one (or opens one) and gives it back when its answer is in. */
const idle = new Map<string, Connection[]>();

function requestBytes(url: URL, method: string, body: string | null, headers: Record<string, string>): Buffer {
  const lines = [`${method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`];
  const payload = body === null ? null : Buffer.from(body);
  if (payload) lines.push("content-type: application/json", `content-length: ${payload.length}`);
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return payload ? Buffer.concat([head, payload]) : head;
}

/**
 * Sends a request on an idle connection to its origin (or a new one). A kept-alive connection the server closed
 * while it sat idle fails before any answer: the request is sent again once, on a new connection.
 */
async function send(url: URL, request: Buffer): Promise<{ status: number; body: string }> {
  let pool = idle.get(url.origin);
  if (!pool) idle.set(url.origin, (pool = []));
  let connection = pool.pop();
  while (connection?.broken) connection = pool.pop();
  let answer;
  if (connection) {
    const reused = connection;
    reused.inUse(true);
    answer = await reused.send(request).catch((error: unknown) => {
      // Part of an answer came: the server took the request, and sending it again could do its work twice.
      if (reused.answering) throw error;
      return null;
    });
  }
  if (!answer) {
    connection = new Connection(url.origin, url.hostname, Number(url.port || 80));
    answer = await connection.send(request);
  }
  connection!.inUse(false);
  pool.push(connection!);
  return answer;
}

export async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<string> {
  const target = new URL(url);
  const { status, body: text } = await send(target, requestBytes(target, "POST", body, headers));
  if (status !== 200) throw new Error(`${url}: HTTP ${status}: ${text.slice(0, 500)}`);
  return text;
}

export async function get(url: string): Promise<number> {
  const target = new URL(url);
  return (await send(target, requestBytes(target, "GET", null, {}))).status;
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

/** The operation as a load generator calls it: the request is encoded once; an answer with errors fails the run. */
export function graphqlOperation(url: string, query: string, variables?: Record<string, unknown>): Operation {
  const target = new URL(`${url}/graphql`);
  const request = requestBytes(target, "POST", JSON.stringify({ query, variables }), {});
  return async () => {
    const { status, body } = await send(target, request);
    if (status !== 200 || body.includes('"errors":[')) {
      throw new Error(`${query.slice(0, 80)}…: HTTP ${status}: ${body.slice(0, 800)}`);
    }
  };
}
