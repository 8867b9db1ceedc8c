import type { ClassType } from "type-graphql";
import { Field, FieldResolver, Int, ObjectType, Resolver, Root } from "type-graphql";

@ObjectType({
  description: "Relay page information. hasPreviousPage is true when the page was asked for with a cursor.",
})
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field()
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/** The field resolvers of every connection type; `src/graphql/resolvers.ts` registers them. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const connectionResolvers: Function[] = [];

/**
 * A Relay connection type for `node`. `totalCount` is counted only when selected: services hand over a function
 * (`Connection.totalCount` in src/services/sql/page.ts) that this type's field resolver calls.
 */
export function connectionOf<T extends object>(node: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field({ description: "Opaque keyset cursor: pass it as `after` to read on from this edge." })
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    @Field(() => Int, { description: "How many records match the filter (one COUNT, run only when selected)." })
    totalCount!: number;
  }

  @Resolver(() => Connection)
  class ConnectionResolver {
    @FieldResolver(() => Int)
    totalCount(@Root() connection: { totalCount: number | (() => Promise<number>) }): number | Promise<number> {
      return typeof connection.totalCount === "function" ? connection.totalCount() : connection.totalCount;
    }
  }
  connectionResolvers.push(ConnectionResolver);

  return Connection;
}
