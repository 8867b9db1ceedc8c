/**
 * Run by `npm test` after vitest: fails unless vitest's JSON report shows tests that ran and none that failed.
 * A global setup that throws (Postgres did not start, say) leaves no test run at all; this keeps that from ever
 * passing as green, whatever vitest's own exit code says.
 */
import { readFileSync } from "node:fs";

const REPORT = "test-results/vitest.json";

interface Report {
  readonly success: boolean;
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
}

function main(): number {
  let report: Report;
  try {
    report = JSON.parse(readFileSync(REPORT, "utf8")) as Report;
  } catch {
    console.error(`npm test: no vitest report at ${REPORT}; the run did not complete`);
    return 1;
  }
  if (report.numPassedTests === 0 || report.numFailedTests > 0 || !report.success) {
    console.error(
      `npm test: ${report.numPassedTests} passed, ${report.numFailedTests} failed of ${report.numTotalTests}; a run with no passing test or any failure is a failure`,
    );
    return 1;
  }
  return 0;
}

process.exit(main());
