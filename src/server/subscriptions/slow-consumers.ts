import type { WebSocket } from "ws";

/** Closes a connection whose client stopped taking messages: the standard "policy violation" code. */
export const SLOW_CONSUMER = 1008;
/** A socket that does not close after its close frame (the client reads nothing) is destroyed after this. */
const TERMINATE_AFTER_MS = 2000;

/**
 * Finds clients that do not read. graphql-ws sends one message per subscription at a time and waits until the
 * socket has written it; a client that stops reading fills the TCP window, the write never completes, and the
 * subscription's changes pile up in its bounded buffer (which then ends it with LIMIT_EXCEEDED). This watchdog
 * closes such a connection once a message has waited `timeoutMs` to be written, so it holds nothing for long.
 */
export class SlowConsumers {
  /** Per socket, when each unwritten message was handed over (oldest first: writes complete in order). */
  private readonly waiting = new Map<WebSocket, number[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly timeoutMs: number,
    private readonly onSlow: (socket: WebSocket, waitedMs: number) => void,
  ) {
    this.timer = setInterval(() => this.check(), Math.max(50, Math.floor(timeoutMs / 4)));
    this.timer.unref();
  }

  /** Wraps `socket.send` to note each message until its write completes. */
  watch(socket: WebSocket): void {
    const queue: number[] = [];
    this.waiting.set(socket, queue);
    const send = socket.send.bind(socket) as (
      data: unknown,
      options: object,
      callback: (error?: Error) => void,
    ) => void;
    socket.send = ((
      data: unknown,
      options?: object | ((error?: Error) => void),
      callback?: (error?: Error) => void,
    ) => {
      const done = typeof options === "function" ? options : callback;
      queue.push(performance.now());
      send(data, typeof options === "object" ? options : {}, (error?: Error) => {
        queue.shift();
        done?.(error);
      });
    }) as WebSocket["send"];
    socket.once("close", () => this.waiting.delete(socket));
  }

  close(): void {
    clearInterval(this.timer);
    this.waiting.clear();
  }

  private check(): void {
    const now = performance.now();
    for (const [socket, queue] of this.waiting) {
      const oldest = queue[0];
      if (oldest === undefined || now - oldest < this.timeoutMs) continue;
      this.waiting.delete(socket);
      this.onSlow(socket, Math.round(now - oldest));
      setTimeout(() => socket.terminate(), TERMINATE_AFTER_MS).unref();
    }
  }
}
