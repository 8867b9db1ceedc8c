import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { describe, expect, it } from "vitest";

import { loadConfig } from "../../src/config";
import { createLogger, silentLogger } from "../../src/logger";
import { checkExposure, isLoopback } from "../../src/server/auth/exposure";
import { requiredRole } from "../../src/server/auth/policy";
import { mayActAs } from "../../src/principal";
import { TokenStore } from "../../src/server/auth/tokens";
import { startApp } from "../../src/server/app";

const hex = (token: string) => createHash("sha256").update(token).digest("hex");
const noAuth = { tokens: null, tokensFile: null, allowUnauthenticatedNetwork: false };

function tokensFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), "hubql-tokens-")), "tokens");
  writeFileSync(path, text);
  return path;
}

describe("bearer tokens", () => {
  it("reads HUBQL_TOKENS and a tokens file of hashes (lines or JSON) into one store", () => {
    const lines = tokensFile(`# ops team\noperator:${hex("op-secret")}:ci-runner\n\nadmin:${hex("root-secret")}\n`);
    const json = tokensFile(JSON.stringify([{ role: "reader", sha256: hex("json-reader"), name: "grafana" }]));
    const store = TokenStore.fromConfig({ ...noAuth, tokens: "reader:r-secret, admin:a-secret", tokensFile: lines });
    expect(store.size).toBe(4);
    expect(store.authenticate("Bearer r-secret")).toEqual({
      kind: "ok",
      principal: { role: "reader", subject: `reader#${hex("r-secret").slice(0, 8)}` },
    });
    expect(store.authenticate("bearer op-secret")).toEqual({
      kind: "ok",
      principal: { role: "operator", subject: "ci-runner" },
    });
    expect(store.authenticate("Bearer root-secret")).toMatchObject({ kind: "ok", principal: { role: "admin" } });
    expect(TokenStore.fromConfig({ ...noAuth, tokensFile: json }).authenticate("Bearer json-reader")).toEqual({
      kind: "ok",
      principal: { role: "reader", subject: "grafana" },
    });
  });

  it("tells a missing header from a wrong one", () => {
    const store = TokenStore.fromConfig({ ...noAuth, tokens: "reader:r-secret" });
    expect(store.authenticate(undefined)).toEqual({ kind: "none" });
    expect(store.authenticate("")).toEqual({ kind: "none" });
    for (const header of [
      "Bearer r-secreT",
      "Bearer r-secret x",
      "Basic cjpy",
      "r-secret",
      "Bearer ",
      `Bearer ${hex("r-secret")}`,
    ]) {
      expect(store.authenticate(header), header).toEqual({ kind: "invalid" });
    }
  });

  it("refuses malformed configuration instead of running with less security than asked for", () => {
    expect(() => TokenStore.fromConfig({ ...noAuth, tokens: "root:x" })).toThrow(/HUBQL_TOKENS entry 1/);
    expect(() => TokenStore.fromConfig({ ...noAuth, tokens: "reader:" })).toThrow(/HUBQL_TOKENS/);
    expect(() => TokenStore.fromConfig({ ...noAuth, tokensFile: tokensFile("admin:not-a-hash\n") })).toThrow(/entry 1/);
    expect(() => TokenStore.fromConfig({ ...noAuth, tokensFile: "/nonexistent/tokens" })).toThrow();
  });

  it("fails closed: a configured source that yields no token, or cannot be read, stops start-up", () => {
    const emptySources: [string, string][] = [
      ["an empty file", ""],
      ["a blank file", "  \n\n \t\n"],
      ["a comments-only file", "# tokens go here\n# reader:<hex>\n"],
      ["an empty JSON array", "[]"],
      ["an empty JSON array with blanks", " [ ] \n"],
    ];
    for (const [label, text] of emptySources) {
      expect(() => TokenStore.fromConfig({ ...noAuth, tokensFile: tokensFile(text) }), label).toThrow(/holds no token/);
    }
    for (const inline of [",", " , ,", ",,,", " "]) {
      expect(() => TokenStore.fromConfig({ ...noAuth, tokens: inline }), JSON.stringify(inline)).toThrow(
        /names no token/,
      );
    }
    const directory = mkdtempSync(join(tmpdir(), "hubql-tokens-dir-"));
    for (const path of ["/nonexistent/tokens", directory]) {
      expect(() => TokenStore.fromConfig({ ...noAuth, tokensFile: path }), path).toThrow(/cannot be read/);
    }
    for (const text of ["[{", '{"role": "admin"}', "[1, 2]", "[null]"]) {
      expect(() => TokenStore.fromConfig({ ...noAuth, tokensFile: tokensFile(text) }), text).toThrow();
    }
    // One good source does not excuse an empty one.
    expect(() => TokenStore.fromConfig({ ...noAuth, tokens: "admin:x", tokensFile: tokensFile("# none\n") })).toThrow(
      /holds no token/,
    );
  });

  it("startApp refuses a configuration that yields no token before opening the store", async () => {
    for (const auth of [
      { ...noAuth, tokens: "," },
      { ...noAuth, tokensFile: tokensFile("# nothing\n") },
      { ...noAuth, tokensFile: tokensFile("[]") },
    ]) {
      const config = { ...loadConfig({}), port: 0, auth, databaseUrl: "sqlite:/nonexistent-dir-never-created/x.db" };
      await expect(startApp(config, silentLogger)).rejects.toThrow(/refusing to start/);
    }
  });

  it("is off with no tokens", () => {
    expect(TokenStore.fromConfig(noAuth).enabled).toBe(false);
    expect(loadConfig({}).auth).toEqual(noAuth);
    expect(loadConfig({ HUBQL_ALLOW_UNAUTHENTICATED_NETWORK: "1", HUBQL_TOKENS: "reader:x" }).auth).toMatchObject({
      allowUnauthenticatedNetwork: true,
      tokens: "reader:x",
    });
  });
});

describe("exposure without tokens", () => {
  it("knows loopback addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.5", "example.org"])
      expect(isLoopback(host), host).toBe(false);
  });

  it("says so at start on loopback, refuses other addresses, and accepts them only with the explicit opt-in", () => {
    const lines: string[] = [];
    const logger = createLogger("info", (line) => lines.push(line));
    const none = TokenStore.fromConfig(noAuth);
    checkExposure({ host: "127.0.0.1", auth: noAuth }, none, logger);
    expect(lines.join("\n")).toMatch(/authentication off.*loopback only/);
    expect(() => checkExposure({ host: "0.0.0.0", auth: noAuth }, none, silentLogger)).toThrow(
      /Refusing to listen on 0\.0\.0\.0/,
    );
    expect(() =>
      checkExposure({ host: "0.0.0.0", auth: { ...noAuth, allowUnauthenticatedNetwork: true } }, none, silentLogger),
    ).not.toThrow();
    const tokens = TokenStore.fromConfig({ ...noAuth, tokens: "admin:x" });
    expect(() => checkExposure({ host: "0.0.0.0", auth: noAuth }, tokens, silentLogger)).not.toThrow();
  });

  it("startApp refuses to bind 0.0.0.0 without tokens before opening the store", async () => {
    const config = {
      ...loadConfig({}),
      host: "0.0.0.0",
      port: 0,
      databaseUrl: "sqlite:/nonexistent-dir-never-created/x.db",
    };
    await expect(startApp(config, silentLogger)).rejects.toThrow(/Refusing to listen/);
  });
});

describe("role policy rules", () => {
  it("orders roles and escalates on breaking arguments", () => {
    expect(mayActAs({ subject: "a", role: "admin" }, "operator")).toBe(true);
    expect(mayActAs({ subject: "o", role: "operator" }, "admin")).toBe(false);
    expect(mayActAs({ subject: "x", role: null }, "reader")).toBe(false);
    expect(requiredRole("query", "taskRecords", {})).toBe("reader");
    expect(requiredRole("mutation", "rerunJobs", {})).toBe("operator");
    expect(requiredRole("mutation", "rerunJobs", { force: true })).toBe("admin");
    expect(requiredRole("mutation", "lockJob", { breakLock: false })).toBe("operator");
    expect(requiredRole("mutation", "lockJob", { breakLock: true })).toBe("admin");
    expect(requiredRole("mutation", "someMutationNobodyClassified", {})).toBe("admin");
  });
});
