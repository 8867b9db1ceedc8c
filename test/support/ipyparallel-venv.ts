/**
 * The Python side of the ipyparallel test: a cached virtualenv (test/support/python-env.ts) with ipyparallel 9.1.0,
 * from ../shared/wheels when that folder has it (plain pip otherwise), and `integrations/ipyparallel` installed.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { ensureVenv, findPython, REPO_ROOT, sharedWheels, type VenvSpec } from "./python-env";

export const IPYPARALLEL_VERSION = "9.1.0";
const PACKAGE = path.join(REPO_ROOT, "integrations", "ipyparallel");
/** setuptools builds integrations/ipyparallel without build isolation (nothing fetched per install). */
const BUILD_TOOLS = ["setuptools>=61", "wheel"];

export type PythonEnv =
  | { readonly ok: true; readonly python: string; readonly venv: string; readonly createdSeconds: number | null }
  | { readonly ok: false; readonly reason: string };

/**
 * The virtualenv, or why there is none: no Python ≥ 3.10 with venv, or ipyparallel cannot be installed (no wheels
 * folder and no index). A package that does not install throws: that is a bug here, not a missing tool.
 */
export async function ipyparallelVenv(): Promise<PythonEnv> {
  const found = findPython([3, 10]);
  if ("skip" in found) return { ok: false, reason: found.skip };
  const folder = sharedWheels();
  const wheel = folder ? path.join(folder, `ipyparallel-${IPYPARALLEL_VERSION}-py3-none-any.whl`) : null;
  const local = wheel !== null && existsSync(wheel);
  const spec: VenvSpec = {
    name: `ipyparallel-${IPYPARALLEL_VERSION}`,
    python: found.python,
    steps: [
      [
        "--quiet",
        ...(local ? ["--find-links", folder as string] : []),
        `ipyparallel==${IPYPARALLEL_VERSION}`,
        ...BUILD_TOOLS,
      ],
    ],
    inputs: local ? [wheel] : [],
  };
  const started = performance.now();
  let built: boolean;
  try {
    built = (await ensureVenv(spec)).built;
  } catch (error) {
    return {
      ok: false,
      reason: `ipyparallel ${IPYPARALLEL_VERSION} could not be installed: ${String(error).slice(0, 2000)}`,
    };
  }
  const createdSeconds = built ? (performance.now() - started) / 1000 : null;
  const venv = await ensureVenv({ ...spec, localPackages: [PACKAGE] });
  return { ok: true, python: venv.python, venv: venv.dir, createdSeconds };
}
