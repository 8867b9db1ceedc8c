import { type ASTVisitor, type DocumentNode, Kind, type SelectionSetNode } from "graphql";

import { limitExceeded } from "../../errors";

/**
 * Longest chain of fragments spreading fragments (`fragment A { ...B } fragment B { ...C } …`). GraphQL's own
 * validation follows such chains recursively: a chain of 5,000 overflowed the stack inside `validate` (HTTP 500,
 * issue 12). Field nesting is bounded separately (HUBQL_MAX_QUERY_DEPTH); no real document needs more than a few.
 */
export const MAX_FRAGMENT_CHAIN = 50;

/**
 * A validation rule that runs on the Document node, before any rule descends into fragments: it refuses a fragment
 * chain longer than MAX_FRAGMENT_CHAIN with LIMIT_EXCEEDED (HTTP 400), walked without recursion.
 */
export function documentGuardRule(): ASTVisitor {
  return {
    Document(node) {
      const chain = longestFragmentChain(node);
      if (chain > MAX_FRAGMENT_CHAIN) {
        throw limitExceeded(
          `Fragments spread fragments ${chain} deep, more than ${MAX_FRAGMENT_CHAIN}; inline some of them`,
          { limit: "fragments", maximum: MAX_FRAGMENT_CHAIN, http: { status: 400 } },
        );
      }
    },
  };
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
