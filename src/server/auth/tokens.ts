import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";

import type { AuthConfig } from "../../config";
import { isRole, type Principal, type Role } from "../../principal";

interface StoredToken {
  readonly role: Role;
  readonly name: string;
  readonly hash: Buffer;
}

/** The outcome of reading an `Authorization` header. */
export type Authentication =
  { readonly kind: "ok"; readonly principal: Principal } | { readonly kind: "none" } | { readonly kind: "invalid" };

/**
 * The configured bearer tokens, kept only as SHA-256 hashes. A presented token is hashed and compared with every
 * stored hash in constant time (no early exit), so timing tells nothing about which bytes or which token matched.
 */
export class TokenStore {
  private constructor(private readonly tokens: readonly StoredToken[]) {}

  /**
   * Fails closed: a configured source (HUBQL_TOKENS, HUBQL_TOKENS_FILE) that cannot be read or yields no token stops
   * start-up. An empty, comments-only or `[]` file, or `HUBQL_TOKENS=","`, would otherwise turn authentication off.
   */
  static fromConfig(config: AuthConfig): TokenStore {
    const tokens: StoredToken[] = [];
    if (config.tokens !== null) {
      const inline = parseInlineTokens(config.tokens);
      if (inline.length === 0) throw new Error("HUBQL_TOKENS is set but names no token; refusing to start");
      tokens.push(...inline);
    }
    if (config.tokensFile !== null) {
      const fromFile = parseTokensFile(readTokensFile(config.tokensFile), config.tokensFile);
      if (fromFile.length === 0) {
        throw new Error(`HUBQL_TOKENS_FILE ${config.tokensFile} holds no token; refusing to start`);
      }
      tokens.push(...fromFile);
    }
    return new TokenStore(tokens);
  }

  /** Authentication is on as soon as one token is configured. */
  get enabled(): boolean {
    return this.tokens.length > 0;
  }

  get size(): number {
    return this.tokens.length;
  }

  authenticate(header: string | undefined): Authentication {
    if (header === undefined || header.trim() === "") return { kind: "none" };
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return { kind: "invalid" };
    const presented = sha256(match[1]);
    let found: StoredToken | undefined;
    for (const token of this.tokens) {
      if (timingSafeEqual(presented, token.hash) && !found) found = token;
    }
    return found ? { kind: "ok", principal: { subject: found.name, role: found.role } } : { kind: "invalid" };
  }
}

export function sha256(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}

function readTokensFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new Error(`HUBQL_TOKENS_FILE ${path} cannot be read (${reason}); refusing to start`, { cause: error });
  }
}

/** `HUBQL_TOKENS=role:token,role:token` — convenient for tests and one-off runs; the file is for production. */
function parseInlineTokens(raw: string): StoredToken[] {
  return raw
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry, index) => {
      const colon = entry.indexOf(":");
      const role = entry.slice(0, colon);
      const token = entry.slice(colon + 1);
      if (colon < 0 || !isRole(role) || token === "") {
        throw new Error(`HUBQL_TOKENS entry ${index + 1} must be 'reader|operator|admin:<token>'`);
      }
      const hash = sha256(token);
      return { role, hash, name: defaultName(role, hash) };
    });
}

/**
 * `HUBQL_TOKENS_FILE`: either lines `role:sha256hex[:name]` (blank lines and `#` comments ignored) or a JSON array
 * of `{ "role", "sha256", "name"? }`. Only hashes are stored, so the file does not give the tokens away.
 */
export function parseTokensFile(text: string, source: string): StoredToken[] {
  const trimmed = text.trim();
  const entries: { role: unknown; sha256: unknown; name?: unknown }[] = trimmed.startsWith("[")
    ? jsonEntries(trimmed, source)
    : trimmed
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
          const [role, hash, ...name] = line.split(":");
          return { role, sha256: hash, name: name.length ? name.join(":") : undefined };
        });
  return entries.map((entry, index) => {
    const { role, sha256: hex, name } = entry;
    if (typeof role !== "string" || !isRole(role) || typeof hex !== "string" || !/^[0-9a-f]{64}$/i.test(hex)) {
      throw new Error(
        `${source}: entry ${index + 1} must be role (reader|operator|admin) and a 64-digit sha256 hex hash`,
      );
    }
    const hash = Buffer.from(hex, "hex");
    return { role, hash, name: typeof name === "string" && name !== "" ? name : defaultName(role, hash) };
  });
}

function jsonEntries(text: string, source: string): { role: unknown; sha256: unknown; name?: unknown }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${source}: not valid JSON (a JSON tokens file is an array of {"role", "sha256", "name"})`);
  }
  if (!Array.isArray(parsed) || parsed.some((entry) => entry === null || typeof entry !== "object")) {
    throw new Error(`${source}: a JSON tokens file is an array of {"role", "sha256", "name"} objects`);
  }
  return parsed as { role: unknown; sha256: unknown; name?: unknown }[];
}

function defaultName(role: Role, hash: Buffer): string {
  return `${role}#${hash.toString("hex").slice(0, 8)}`;
}
