import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from "graphql";

/**
 * The field names selected under `path` (e.g. ["edges", "node"]) of the current field, through fragments and
 * inline fragments. Services read only these columns. `__typename` and unknown names are the caller's to ignore.
 */
export function selectedFields(info: GraphQLResolveInfo, path: readonly string[] = []): Set<string> {
  let sets: SelectionSetNode[] = info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
  for (const step of path) {
    sets = sets
      .flatMap((set) => fieldsOf(set, info.fragments).filter((field) => field.name.value === step))
      .flatMap((field) => (field.selectionSet ? [field.selectionSet] : []));
  }
  return new Set(sets.flatMap((set) => fieldsOf(set, info.fragments).map((field) => field.name.value)));
}

function fieldsOf(
  set: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FieldNode[] {
  return set.selections.flatMap((selection): FieldNode[] => {
    switch (selection.kind) {
      case "Field":
        return [selection];
      case "InlineFragment":
        return fieldsOf(selection.selectionSet, fragments, seen);
      case "FragmentSpread": {
        const name = selection.name.value;
        const fragment = fragments[name];
        if (!fragment || seen.has(name)) return [];
        seen.add(name);
        return fieldsOf(fragment.selectionSet, fragments, seen);
      }
    }
    return [];
  });
}
