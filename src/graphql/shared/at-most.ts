import { Arg, Int } from "type-graphql";

/**
 * `atMost` on a list that is not paged (a flow's jobs, a job's parents and children): the most items the caller
 * expects. A longer list answers LIMIT_EXCEEDED (it is never cut short), and the cost estimate counts this many
 * items instead of HUBQL_MAX_LIST_ITEMS. Enforced for every capped list by src/server/limits/list-fields.ts.
 */
export function AtMostArg(): ReturnType<typeof Arg> {
  return Arg("atMost", () => Int, {
    nullable: true,
    description:
      "The most items expected (default and maximum HUBQL_MAX_LIST_ITEMS); a longer list is LIMIT_EXCEEDED, never cut short. Lowers the query's cost.",
  });
}
