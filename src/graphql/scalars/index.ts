import { GraphQLJSON, GraphQLJSONObject } from "graphql-scalars";

export { DateTimeScalar } from "./date-time.scalar";
export { FilterScalar } from "./filter.scalar";
export { GraphQLJSON as JSONScalar, GraphQLJSONObject as JSONObjectScalar };
