import { badInput, limitExceeded } from "../../errors";
import { type Condition, TRUE } from "../sql";

/**
 * The one contract of every operation that acts on many records (task purge/resubmit, the jobflow bulk operations,
 * deleteFlows, unlockJobs/unlockFlows, Scale requeue/cancel): exactly one of
 *
 * - named records (`ids`: msgIds, jobs …),
 * - a filter (the JSON filter plus any named filters, folded into one condition),
 * - `all: true`;
 *
 * a filter that normalises to no condition (`{}`, `{"$comment": …}`, `{"$and": [{}]}`, a named query of empty
 * parts …) is refused exactly like no filter: acting on everything takes `all: true`. `maxLimit` (a non-negative
 * integer) refuses, changing nothing, when more records match; **0 means no limit**, as jobflow-remote's
 * `max_limit=0`. `dryRun` reports what would change and changes nothing.
 */
export interface SelectionArgs<K> {
  readonly ids?: readonly K[] | null;
  readonly filter?: unknown;
  readonly all?: boolean | null;
  readonly maxLimit?: number | null;
  readonly dryRun?: boolean | null;
}

export interface SelectionRules {
  /** The argument that names records in this operation (`msgIds`, `jobs`, …); none when records are not named. */
  readonly idsArgument?: string;
  /** How the filter arguments are called in messages: "filter", "filter or query". */
  readonly filterArguments?: string;
  /** Whether the operation takes `all: true` (resubmit does not: it never acts on every record). */
  readonly allowsAll?: boolean;
  /** The condition the filter arguments make, and whether any was given (a null filter is not given). */
  readonly filter: { readonly given: boolean; readonly condition: Condition };
  /** What the operation does, for messages: "purge", "perform delete on", "unlock". */
  readonly verb: string;
  /** What it acts on, for messages: "records", "Jobs", "Flows". */
  readonly noun: string;
  /** maxLimit when none is given (delete_jobs / delete_flows: 10); no limit by default. */
  readonly defaultMaxLimit?: number;
  /** Most named records one call takes (HUBQL_MAX_BATCH_SIZE). */
  readonly maxIds: number;
}

export type Target<K> =
  | { readonly kind: "ids"; readonly ids: readonly K[] }
  | { readonly kind: "filter"; readonly condition: Condition }
  | { readonly kind: "all"; readonly condition: Condition };

export interface Selection<K> {
  readonly target: Target<K>;
  /** The limit on matches; null: none (maxLimit 0 or not given without a default). */
  readonly maxLimit: number | null;
  readonly dryRun: boolean;
  readonly rules: SelectionRules;
}

/** Validates a selection before any work; BAD_USER_INPUT (changing nothing) for every way it can be wrong. */
export function resolveSelection<K>(args: SelectionArgs<K>, rules: SelectionRules): Selection<K> {
  const maxLimit = args.maxLimit ?? rules.defaultMaxLimit ?? 0;
  if (!Number.isInteger(maxLimit) || maxLimit < 0) {
    throw badInput(`maxLimit must be a non-negative integer (0 = no limit), got ${String(args.maxLimit)}`, "maxLimit");
  }
  const idsArgument = rules.idsArgument ?? "ids";
  const filterArguments = rules.filterArguments ?? "filter";
  const allowsAll = rules.allowsAll ?? true;
  const hasIds = args.ids !== undefined && args.ids !== null;
  const given = [hasIds ? idsArgument : null, rules.filter.given ? filterArguments : null, args.all ? "all" : null];
  const named = given.filter((name): name is string => name !== null);
  const choices = [rules.idsArgument, `a ${filterArguments}`, allowsAll ? "all: true" : null].filter(Boolean);
  if (named.length !== 1) {
    throw badInput(
      named.length === 0
        ? `Say what to ${rules.verb}: ${choices.join(", ")}; nothing was changed`
        : `Give exactly one of ${choices.join(", ")} (got ${named.join(", ")}); nothing was changed`,
      named[1] ?? named[0] ?? "filter",
    );
  }
  const selection = (target: Target<K>): Selection<K> => ({
    target,
    maxLimit: maxLimit === 0 ? null : maxLimit,
    dryRun: args.dryRun ?? false,
    rules,
  });
  if (hasIds) {
    const ids = args.ids as readonly K[];
    if (ids.length === 0) throw badInput(`${idsArgument} is empty; nothing was changed`, idsArgument);
    if (ids.length > rules.maxIds) {
      throw limitExceeded(`${idsArgument} takes at most ${rules.maxIds} values (HUBQL_MAX_BATCH_SIZE)`, {
        maximum: rules.maxIds,
      });
    }
    return selection({ kind: "ids", ids });
  }
  if (args.all) return selection({ kind: "all", condition: TRUE });
  if (rules.filter.condition.matchesEverything) {
    const instead = allowsAll ? "pass all: true for that" : `name what to ${rules.verb}`;
    throw badInput(
      `The ${filterArguments} puts no condition on the ${rules.noun.toLowerCase()} (it would ${rules.verb} every one); ${instead}. Nothing was changed`,
      "filter",
    );
  }
  return selection({ kind: "filter", condition: rules.filter.condition });
}

/** The condition of a filter or `all` selection (named records are resolved by the operation itself). */
export function selectionCondition<K>(selection: Selection<K>, byIds: (ids: readonly K[]) => Condition): Condition {
  return selection.target.kind === "ids" ? byIds(selection.target.ids) : selection.target.condition;
}

/** LIMIT_EXCEEDED, changing nothing, when `matched` is over maxLimit (or over `batchLimit` when the operation has one). */
export function checkMatched<K>(selection: Selection<K>, matched: number, batchLimit?: number): void {
  const { maxLimit, rules } = selection;
  if (maxLimit !== null && matched > maxLimit) {
    throw limitExceeded(
      `Cannot ${rules.verb} ${matched} ${rules.noun} as they exceed the specified maximum limit (${maxLimit}); nothing was changed`,
      { matched, maximum: maxLimit },
    );
  }
  if (batchLimit !== undefined && matched > batchLimit) {
    throw limitExceeded(
      `Cannot ${rules.verb} ${matched} ${rules.noun}: one call touches at most ${batchLimit} (HUBQL_MAX_BATCH_SIZE); nothing was changed`,
      { matched, maximum: batchLimit },
    );
  }
}

/**
 * How many rows an operation reading matches with `LIMIT` should read to tell "too many" (limit + 1), or null
 * when it reads them all anyway.
 */
export function readLimit<K>(selection: Selection<K>, batchLimit?: number): number | null {
  const caps = [selection.maxLimit, batchLimit ?? null].filter((cap): cap is number => cap !== null);
  return caps.length === 0 ? null : Math.min(...caps) + 1;
}
