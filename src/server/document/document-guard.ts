import { type DocumentNode, Kind, parse, type SelectionSetNode } from "graphql";

import { type HubqlError, limitExceeded } from "../../errors";

/**
 * Longest chain of fragments spreading fragments (`fragment A { ...B } fragment B { ...C } …`). GraphQL's own
 * validation follows such chains recursively: a chain of 5,000 overflowed the stack inside `validate` (HTTP 500,
 * issue 12). Field nesting is bounded separately (HUBQL_MAX_QUERY_DEPTH); no real document needs more than a few.
 */
export const MAX_FRAGMENT_CHAIN = 50;

/**
 * LIMIT_EXCEEDED when `query` chains fragments deeper than MAX_FRAGMENT_CHAIN, else null. It must run before Apollo:
 * anything thrown inside Apollo's parse-validate pipeline (a validation rule included) comes back as a 500. Only a
 * document with more than MAX_FRAGMENT_CHAIN `fragment` keywords can hold such a chain, so every other document costs
 * one regular-expression count and is not parsed here.
 */
export function fragmentChainRefusal(query: unknown, maxTokens: number): HubqlError | null {
  if (typeof query !== "string") return null;
  let definitions = 0;
  for (const _match of query.matchAll(/\bfragment\b/g)) {
    if (++definitions > MAX_FRAGMENT_CHAIN) break;
  }
  if (definitions <= MAX_FRAGMENT_CHAIN) return null;
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens });
  } catch {
    return null; // Apollo answers the syntax error itself
  }
  const chain = longestFragmentChain(document);
  if (chain <= MAX_FRAGMENT_CHAIN) return null;
  return limitExceeded(
    `Fragments spread fragments ${chain} deep, more than ${MAX_FRAGMENT_CHAIN}; inline some of them`,
    {
      limit: "fragments",
      maximum: MAX_FRAGMENT_CHAIN,
    },
  );
}

/** The longest path in the fragment-spread graph (cycles are left to GraphQL's NoFragmentCycles rule). */
export function longestFragmentChain(document: DocumentNode): number {
  const spreads = new Map<string, string[]>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      spreads.set(definition.name.value, spreadNames(definition.selectionSet));
    }
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  let longest = 0;
  for (const start of spreads.keys()) {
    if (depth.has(start)) continue;
    const stack: { name: string; next: number }[] = [{ name: start, next: 0 }];
    visiting.add(start);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { name: string; next: number };
      const children = spreads.get(frame.name) ?? [];
      if (frame.next < children.length) {
        const child = children[frame.next++] as string;
        if (!depth.has(child) && !visiting.has(child) && spreads.has(child)) {
          visiting.add(child);
          stack.push({ name: child, next: 0 });
        }
        continue;
      }
      const own = 1 + Math.max(0, ...children.map((child) => depth.get(child) ?? 0));
      depth.set(frame.name, own);
      visiting.delete(frame.name);
      longest = Math.max(longest, own);
      stack.pop();
    }
  }
  return longest;
}

/** Fragment names spread anywhere inside a selection set, iteratively. */
function spreadNames(root: SelectionSetNode): string[] {
  const names: string[] = [];
  const stack: SelectionSetNode[] = [root];
  while (stack.length > 0) {
    const set = stack.pop() as SelectionSetNode;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) names.push(selection.name.value);
      else if (selection.selectionSet) stack.push(selection.selectionSet);
    }
  }
  return names;
}
