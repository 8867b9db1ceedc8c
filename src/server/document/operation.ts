import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  Kind,
  type SelectionSetNode,
  valueFromASTUntyped,
} from "graphql";

/**
 * The root fields an operation selects, through fragment spreads and inline fragments. `@skip`/`@include` are
 * ignored on purpose: policy and limits judge what an operation could do, whatever its variables say.
 */
export function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  // Each named fragment once: its fields are the same wherever it is spread, and a hostile document may spread
  // fragments that spread others twice, 2^n times over.
  const visited = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        const fragment = fragments[selection.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(selectionSet);
  return fields;
}

/**
 * A field's arguments with variables substituted, uncoerced (coercion comes later, in execution; a value that
 * would not coerce fails there). Good enough to read `first`, list lengths and escalating flags before any work.
 */
export function argumentValues(
  field: FieldNode,
  variables: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const argument of field.arguments ?? []) {
    values[argument.name.value] = valueFromASTUntyped(argument.value, variables as Record<string, unknown> | undefined);
  }
  return values;
}

export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}
