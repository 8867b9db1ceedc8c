import { describe, expect, it } from "vitest";

import { deriveFlowState, type FlowState, flowStateOf, type JobState } from "../../../src/services/flows/states";

describe("FlowState.from_jobs_states (jobflow-remote.md §2), first matching rule wins", () => {
  const cases: [string, JobState[], JobState[], FlowState][] = [
    ["all WAITING", ["WAITING", "WAITING"], ["WAITING"], "WAITING"],
    ["WAITING and READY", ["READY", "WAITING"], ["WAITING"], "READY"],
    ["all READY", ["READY"], ["READY"], "READY"],
    ["leaves COMPLETED", ["COMPLETED", "COMPLETED"], ["COMPLETED"], "COMPLETED"],
    ["leaves COMPLETED tolerate an intermediate FAILED", ["FAILED", "COMPLETED"], ["COMPLETED"], "COMPLETED"],
    ["any FAILED", ["FAILED", "WAITING"], ["WAITING"], "FAILED"],
    ["FAILED beats STOPPED", ["FAILED", "USER_STOPPED"], ["USER_STOPPED"], "FAILED"],
    ["STOPPED", ["COMPLETED", "STOPPED"], ["STOPPED"], "STOPPED"],
    ["USER_STOPPED", ["USER_STOPPED", "WAITING"], ["WAITING"], "STOPPED"],
    ["STOPPED beats PAUSED", ["PAUSED", "STOPPED"], ["STOPPED"], "STOPPED"],
    ["PAUSED", ["PAUSED", "READY"], ["READY"], "PAUSED"],
    ["REMOTE_ERROR does not fail the flow", ["REMOTE_ERROR", "WAITING"], ["WAITING"], "RUNNING"],
    ["running states", ["CHECKED_OUT", "WAITING"], ["WAITING"], "RUNNING"],
    ["batch states", ["BATCH_RUNNING"], ["BATCH_RUNNING"], "RUNNING"],
    ["COMPLETED and READY", ["COMPLETED", "READY"], ["READY"], "RUNNING"],
    ["no leaves is not vacuously COMPLETED", ["CHECKED_OUT"], [], "RUNNING"],
  ];
  it.each(cases)("%s", (_name, all, leaves, expected) => {
    expect(deriveFlowState(all, leaves)).toBe(expected);
  });
});

describe("flowStateOf computes leaves from the rows as they will be", () => {
  const job = (uuid: string, state: JobState, parents: string[] = [], index = 1) => ({ uuid, index, state, parents });

  it("a parent CHECKED_OUT whose only (WAITING) child was deleted is RUNNING, not COMPLETED (upstream quirk fixed)", () => {
    expect(flowStateOf([job("p", "CHECKED_OUT")])).toBe("RUNNING");
  });

  it("uses the highest index of a replaced leaf", () => {
    expect(flowStateOf([job("a", "COMPLETED"), job("b", "COMPLETED", ["a"]), job("b", "READY", ["a"], 2)])).toBe(
      "RUNNING",
    );
    expect(flowStateOf([job("a", "COMPLETED"), job("b", "COMPLETED", ["a"]), job("b", "COMPLETED", ["a"], 2)])).toBe(
      "COMPLETED",
    );
  });

  it("a parent is not a leaf", () => {
    expect(flowStateOf([job("a", "COMPLETED"), job("b", "READY", ["a"])])).toBe("RUNNING");
    expect(flowStateOf([job("a", "FAILED"), job("b", "COMPLETED", ["a"])])).toBe("COMPLETED");
  });
});
