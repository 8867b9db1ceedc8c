/**
 * Virtualenvs for tests that run real Python (jobflow workers, …), built once per content and reused.
 *
 * A virtualenv lives in a cache folder outside the tracked tree, named after a hash of everything that goes into it
 * (interpreter version, requirement files, wheel files), so a change of any of them builds a new one and an
 * unchanged one is reused across runs. It is built under a temporary name and renamed when complete, so an
 * interrupted build is never mistaken for a finished one. Only `python -m pip` is used inside it, never its
 * scripts, so the rename does not break anything. Local packages (e.g. `integrations/jobflow`) are reinstalled
 * when their files change, from a copy, so pip never writes build files into the repository.
 */
import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { OUTER_TMPDIR } from "./temp-dir-global-setup";

const run = promisify(execFile);

/** The repository root (this file is test/support/python-env.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * The upstream wheels folder, when this machine has one (its pip cannot reach PyPI): HUBQL_TEST_WHEELS, else the
 * nearest `shared/wheels` beside the repository or beside one of its parent folders (`../shared/wheels` for a clone
 * next to `shared/`, deeper for a git worktree or a CI clone in a subfolder). null: install from the package index.
 */
export function sharedWheels(): string | null {
  const explicit = process.env["HUBQL_TEST_WHEELS"];
  if (explicit) return existsSync(explicit) ? explicit : null;
  for (let dir = path.dirname(REPO_ROOT); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "shared", "wheels");
    if (existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) return null;
  }
}

/**
 * Without a wheels folder the packages come from the package index. Whether it has them is asked once, at
 * collection time, with `pip download` of one pinned requirement: null when it does, else the reason to skip (an
 * offline machine without the wheels cannot run the test, and says so instead of failing).
 */
export function indexSkipReason(python: Interpreter, requirement: string): string | null {
  const dest = mkdtempSync(path.join(tmpdir(), "hubql-pip-probe-"));
  try {
    const result = spawnSync(
      python.executable,
      ["-m", "pip", "download", "--no-deps", "--quiet", "--dest", dest, requirement],
      { encoding: "utf8", timeout: 120_000, env: { ...process.env, ...PIP_ENV } },
    );
    if (result.status === 0) return null;
    const why = (result.stderr || result.error?.message || "").trim().split("\n").slice(-1)[0] ?? "";
    return `no shared/wheels folder (HUBQL_TEST_WHEELS) and pip cannot get ${requirement}: ${why}`;
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
}

export interface Interpreter {
  readonly executable: string;
  readonly version: readonly [number, number, number];
}

export type Found = { readonly python: Interpreter } | { readonly skip: string };

/**
 * The first Python ≥ `minimum` that can make virtualenvs (has `venv` and `ensurepip`): `HUBQL_TEST_PYTHON`, then
 * python3, python3.13 … python3.11, python. Otherwise the reason to skip, naming what was tried.
 */
export function findPython(minimum: readonly [number, number] = [3, 11]): Found {
  const candidates = [process.env["HUBQL_TEST_PYTHON"], "python3", "python3.13", "python3.12", "python3.11", "python"];
  const tried: string[] = [];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const probe = spawnSyncText(candidate, [
      "-c",
      "import sys, venv, ensurepip; print(sys.executable); print(*sys.version_info[:3])",
    ]);
    if (probe === null) {
      tried.push(`${candidate}: not usable`);
      continue;
    }
    const [executable, version] = probe.trim().split("\n");
    const parts = (version ?? "").split(" ").map(Number);
    const [major = 0, minor = 0, micro = 0] = parts;
    if (major > minimum[0] || (major === minimum[0] && minor >= minimum[1])) {
      return { python: { executable: executable ?? candidate, version: [major, minor, micro] } };
    }
    tried.push(`${candidate}: ${major}.${minor}.${micro}`);
  }
  return { skip: `needs Python ≥ ${minimum.join(".")} with venv and ensurepip (tried ${tried.join("; ")})` };
}

/**
 * The cache root: HUBQL_TEST_CACHE, else $XDG_CACHE_HOME/hubql or ~/.cache/hubql, else <tmp>/hubql-cache-<uid> in the
 * temporary folder outside the test run's (temp-dir-global-setup.ts), which the run removes.
 */
export function cacheRoot(): string {
  const explicit = process.env["HUBQL_TEST_CACHE"];
  const xdg = process.env["XDG_CACHE_HOME"];
  const home = safeHome();
  const uid = typeof process.getuid === "function" ? process.getuid() : "user";
  const candidates = [
    explicit,
    xdg ? path.join(xdg, "hubql") : undefined,
    home ? path.join(home, ".cache", "hubql") : undefined,
    path.join(process.env[OUTER_TMPDIR] ?? tmpdir(), `hubql-cache-${uid}`),
  ];
  for (const candidate of candidates) {
    if (candidate && writableDirectory(candidate)) return candidate;
  }
  throw new Error(`no writable cache folder (tried ${candidates.filter(Boolean).join(", ")})`);
}

export interface VenvSpec {
  /** Prefix of the folder name, e.g. "jobflow". */
  readonly name: string;
  readonly python: Interpreter;
  /** pip install steps, in order; each an argument list after `python -m pip install`. */
  readonly steps: readonly (readonly string[])[];
  /** Files whose content decides whether a cached virtualenv still fits (requirement files, wheels). */
  readonly inputs: readonly string[];
  /** Local packages installed last (`--no-deps --no-build-isolation`), reinstalled when their files change. */
  readonly localPackages?: readonly string[];
  /** Log lines (pip commands) go here. */
  readonly log?: (line: string) => void;
}

export interface Venv {
  readonly dir: string;
  readonly python: string;
  /** Whether this call built it (false: reused from the cache). */
  readonly built: boolean;
}

/** Environment for pip: no retries against an unreachable index (minutes otherwise), no prompts, no version check. */
export const PIP_ENV = {
  PIP_RETRIES: "0",
  PIP_NO_INPUT: "1",
  PIP_DISABLE_PIP_VERSION_CHECK: "1",
  PYTHONDONTWRITEBYTECODE: "1",
} as const;

/** A cached virtualenv matching `spec`, built when missing; local packages reinstalled when changed. */
export async function ensureVenv(spec: VenvSpec): Promise<Venv> {
  const root = path.join(cacheRoot(), "venvs");
  mkdirSync(root, { recursive: true });
  const hash = createHash("sha256");
  hash.update(`${spec.python.version.join(".")}\n${spec.steps.map((step) => step.join(" ")).join("\n")}\n`);
  for (const input of [...spec.inputs].sort()) hash.update(`${path.basename(input)}\n`).update(readFileSync(input));
  const dir = path.join(root, `${spec.name}-${hash.digest("hex").slice(0, 16)}`);
  const python = path.join(dir, "bin", "python");
  let built = false;
  if (!existsSync(path.join(dir, ".complete"))) {
    const staging = `${dir}.building-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    try {
      await command(spec.python.executable, ["-m", "venv", staging], spec.log);
      const stagingPython = path.join(staging, "bin", "python");
      for (const step of spec.steps) await command(stagingPython, ["-m", "pip", "install", ...step], spec.log);
      writeFileSync(path.join(staging, ".complete"), new Date().toISOString());
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true }); // an incomplete one from a killed run
      renameSync(staging, dir);
      built = true;
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }
  for (const pkg of spec.localPackages ?? []) await ensureLocalPackage(dir, python, pkg, spec.log);
  return { dir, python, built };
}

/** Installs a local package into the virtualenv from a copy, unless the same files are installed already. */
async function ensureLocalPackage(dir: string, python: string, pkg: string, log?: (line: string) => void) {
  const files = listFiles(pkg);
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${path.relative(pkg, file)}\n`).update(readFileSync(file));
  const stamp = path.join(dir, `.local-${path.basename(pkg)}-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(stamp)) return;
  const copy = path.join(dir, `.src-${path.basename(pkg)}-${process.pid}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(pkg, copy, { recursive: true, filter: (source) => !ignoredInCopy(source) });
  try {
    await command(
      python,
      ["-m", "pip", "install", "--no-deps", "--no-build-isolation", "--force-reinstall", "--quiet", copy],
      log,
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  for (const old of readdirSync(dir).filter((name) => name.startsWith(`.local-${path.basename(pkg)}-`))) {
    rmSync(path.join(dir, old), { force: true });
  }
  writeFileSync(stamp, new Date().toISOString());
}

/** Runs a command (pip's environment by default); stdout is the answer, and both streams go into its error. */
export async function command(
  file: string,
  args: readonly string[],
  log?: (line: string) => void,
  env: NodeJS.ProcessEnv = { ...process.env, ...PIP_ENV },
): Promise<string> {
  log?.(`$ ${file} ${args.join(" ")}`);
  try {
    const { stdout } = await run(file, [...args], {
      env,
      maxBuffer: 64 * 1024 * 1024,
      timeout: 10 * 60 * 1000,
    });
    return stdout;
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${path.basename(file)} ${args.join(" ")} failed: ${failure.message}\n${failure.stdout ?? ""}\n${failure.stderr ?? ""}`,
      { cause: error },
    );
  }
}

function listFiles(root: string): string[] {
  const result: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (ignoredInCopy(full)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) result.push(full);
    }
  };
  walk(root);
  return result;
}

/** Build leftovers and caches are neither hashed nor copied. */
function ignoredInCopy(file: string): boolean {
  const name = path.basename(file);
  return name === "__pycache__" || name === "build" || name === "dist" || name.endsWith(".egg-info");
}

function writableDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function safeHome(): string | null {
  try {
    return homedir() || null;
  } catch {
    return null;
  }
}

/** Synchronous probe (describe.skipIf needs the answer at collection time): stdout, or null on failure. */
function spawnSyncText(file: string, args: string[]): string | null {
  const result = spawnSync(file, args, { encoding: "utf8", timeout: 30_000 });
  return result.status === 0 ? result.stdout : null;
}
