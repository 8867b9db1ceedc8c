import {
  type GraphQLInputField,
  type GraphQLInputType,
  type GraphQLSchema,
  isInputObjectType,
  isInputType,
  isLeafType,
  isListType,
  isNonNullType,
  type OperationDefinitionNode,
  typeFromAST,
  valueFromAST,
  type VariableDefinitionNode,
} from "graphql";

/**
 * An operation's variables coerced as graphql-js `getVariableValues` coerces them, by a function built once per
 * operation from its variable types. graphql-js walks the types anew for every value: for each input object it lists
 * the type's fields, allocates a path entry per field and builds the object twice (a null-prototype one, then a
 * spread copy). That was a tenth of an ingest's CPU (1,000 task records per request). The compiled form reads each
 * type once, when the operation is first guarded.
 *
 * It answers only where graphql-js accepts: the result is the same values, keys in the same order, the same
 * prototypes. Wherever a value does not coerce, it gives up (`null`) and graphql-js coerces again to say why, so
 * every refusal and its message stay graphql-js's own. test/unit/variable-coercion.test.ts compares both over
 * generated values of every input type of hubql's schema.
 */
export function compiledVariableValues(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  inputs: Readonly<Record<string, unknown>>,
): Record<string, unknown> | null {
  const variables = compilerFor(schema).variables(operation);
  if (!variables) return null;
  try {
    return coerceAll(variables, inputs);
  } catch (error) {
    if (error === REFUSED) return null;
    throw error;
  }
}

/** What does not coerce: thrown through the compiled functions to give up at once. Not an Error: no stack taken. */
const REFUSED = Symbol("refused");

type Coerce = (value: unknown) => unknown;

interface CompiledVariable {
  readonly name: string;
  readonly definition: VariableDefinitionNode;
  readonly type: GraphQLInputType;
  readonly coerce: Coerce;
}

/** coerceVariableValues (graphql/execution/values.js), for values that coerce. */
function coerceAll(variables: readonly CompiledVariable[], inputs: Readonly<Record<string, unknown>>) {
  const coerced = Object.create(null) as Record<string, unknown>;
  for (const variable of variables) {
    if (!Object.prototype.hasOwnProperty.call(inputs, variable.name)) {
      // A fresh value each time, as graphql-js makes it: a resolver may keep what it is given.
      if (variable.definition.defaultValue)
        coerced[variable.name] = valueFromAST(variable.definition.defaultValue, variable.type);
      else if (isNonNullType(variable.type)) throw REFUSED;
      continue;
    }
    coerced[variable.name] = variable.coerce(inputs[variable.name]);
  }
  // graphql-js's own last step: a plain copy (a variable may be named `$__proto__`; the copy keeps it a key).
  return { ...coerced };
}

/** Each schema's compiler: its named types' coercers and its operations' variables, each built once. */
const compilers = new WeakMap<GraphQLSchema, Compiler>();

function compilerFor(schema: GraphQLSchema): Compiler {
  let compiler = compilers.get(schema);
  if (!compiler) compilers.set(schema, (compiler = new Compiler(schema)));
  return compiler;
}

/**
 * One schema's coercers: by named type, and each operation's variables. Input objects may refer to themselves, hence
 * the entry made before their fields.
 */
class Compiler {
  private readonly named = new Map<GraphQLInputType, Coerce | null>();
  /**
   * By operation node (a parsed document is kept as long as Apollo's cache keeps it); null: an operation graphql-js
   * alone coerces (a variable of no input type, a `@oneOf` input).
   */
  private readonly operations = new WeakMap<OperationDefinitionNode, readonly CompiledVariable[] | null>();

  constructor(private readonly schema: GraphQLSchema) {}

  /** The operation's variables, each with its coercer; the wrappers (`[T!]!`) are built once per operation. */
  variables(operation: OperationDefinitionNode): readonly CompiledVariable[] | null {
    let variables = this.operations.get(operation);
    if (variables === undefined) {
      variables = this.compile(operation.variableDefinitions ?? []);
      this.operations.set(operation, variables);
    }
    return variables;
  }

  private compile(definitions: readonly VariableDefinitionNode[]): CompiledVariable[] | null {
    const variables: CompiledVariable[] = [];
    for (const definition of definitions) {
      const type = typeFromAST(this.schema, definition.type);
      if (!type || !isInputType(type)) return null;
      const coerce = this.coercer(type);
      if (!coerce) return null;
      variables.push({ name: definition.variable.name.value, definition, type, coerce });
    }
    return variables;
  }

  private coercer(type: GraphQLInputType): Coerce | null {
    if (isNonNullType(type)) {
      const inner = this.coercer(type.ofType);
      if (!inner) return null;
      return (value) => {
        if (value === null || value === undefined) throw REFUSED;
        return inner(value);
      };
    }
    if (isListType(type)) {
      const item = this.coercer(type.ofType);
      if (!item) return null;
      return (value) => {
        if (value === null || value === undefined) return null;
        if (Array.isArray(value)) {
          const items = new Array<unknown>(value.length);
          for (let i = 0; i < value.length; i++) items[i] = item(value[i]);
          return items;
        }
        // Any other iterable as graphql-js takes it; a single value is a list of one.
        if (typeof value === "object" && typeof (value as Iterable<unknown>)[Symbol.iterator] === "function")
          return Array.from(value as Iterable<unknown>, (each) => item(each));
        return [item(value)];
      };
    }
    if (this.named.has(type)) {
      const known = this.named.get(type) ?? null;
      // Recursion through an input object being compiled: called through the map once it is done (and left to
      // graphql-js should that input object turn out not to compile).
      return (
        known ??
        ((value) => {
          const done = this.named.get(type);
          if (!done) throw REFUSED;
          return done(value);
        })
      );
    }
    if (isLeafType(type)) {
      const coerce: Coerce = (value) => {
        if (value === null || value === undefined) return null;
        let parsed: unknown;
        try {
          parsed = type.parseValue(value);
        } catch {
          throw REFUSED;
        }
        if (parsed === undefined) throw REFUSED;
        return parsed;
      };
      this.named.set(type, coerce);
      return coerce;
    }
    if (isInputObjectType(type)) {
      // @oneOf's extra rule is graphql-js's to apply; hubql's schema has none, so this never gives up in practice.
      if (type.isOneOf) return null;
      this.named.set(type, null);
      const definitions = type.getFields();
      const fields: CompiledField[] = [];
      for (const field of Object.values(definitions)) {
        const coerce = this.coercer(field.type);
        if (!coerce) {
          this.named.delete(type);
          return null;
        }
        fields.push(compiledField(field, coerce));
      }
      const coerce: Coerce = (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value !== "object" || Array.isArray(value)) throw REFUSED;
        const given = value as Record<string, unknown>;
        const object: Record<string, unknown> = {};
        for (const field of fields) {
          const fieldValue = given[field.name];
          if (fieldValue === undefined) {
            if (field.hasDefault) object[field.name] = field.defaultValue;
            else if (field.required) throw REFUSED;
            continue;
          }
          object[field.name] = field.coerce(fieldValue);
        }
        // A field the type does not define is refused (graphql-js names it, with suggestions).
        // for…in with hasOwn, not Object.keys: no array of keys per input object (1,000 per ingest batch).
        for (const key in given) if (Object.hasOwn(given, key) && !definitions[key]) throw REFUSED;
        return object;
      };
      this.named.set(type, coerce);
      return coerce;
    }
    return null;
  }
}

interface CompiledField {
  readonly name: string;
  readonly coerce: Coerce;
  readonly hasDefault: boolean;
  readonly defaultValue: unknown;
  readonly required: boolean;
}

function compiledField(field: GraphQLInputField, coerce: Coerce): CompiledField {
  return {
    name: field.name,
    coerce,
    hasDefault: field.defaultValue !== undefined,
    defaultValue: field.defaultValue,
    required: isNonNullType(field.type),
  };
}
