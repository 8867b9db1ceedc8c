/**
 * Every answer given outside GraphQL (an unknown route, a body too large or not JSON, a bad token) has the GraphQL
 * error shape, built by the same module as GraphQL's own errors (src/server/format-error.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { DEFAULT_LIMITS } from "../../src/config";
import { startTestHttp } from "../support/gateway";

describe("HTTP error bodies", () => {
  let app: Awaited<ReturnType<typeof startTestHttp>>;
  beforeAll(async () => {
    app = await startTestHttp("sqlite", {
      limits: { ...DEFAULT_LIMITS, maxBodyBytes: 2048 },
    });
  });
  afterAll(() => app?.close());

  const shapeOf = async (response: Response) => {
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(Object.keys(body)).toEqual(["errors"]);
    expect(body.errors).toHaveLength(1);
    expect(typeof body.errors[0]?.message).toBe("string");
    return { status: response.status, code: body.errors[0]?.extensions.code };
  };

  it("404 for an unknown route is NOT_FOUND in the GraphQL error shape", async () => {
    expect(await shapeOf(await fetch(`${app.url}/nowhere`))).toEqual({ status: 404, code: "NOT_FOUND" });
  });

  it("413 and 400 share the shape", async () => {
    const post = (body: string) =>
      fetch(`${app.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect(await shapeOf(await post("x".repeat(4096)))).toEqual({ status: 413, code: "LIMIT_EXCEEDED" });
    expect(await shapeOf(await post("{not json"))).toEqual({ status: 400, code: "BAD_USER_INPUT" });
  });
});
