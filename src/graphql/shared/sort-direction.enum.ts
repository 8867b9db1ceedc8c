import { registerEnumType } from "type-graphql";

export enum SortDirection {
  ASC = "ASC",
  DESC = "DESC",
}

registerEnumType(SortDirection, {
  name: "SortDirection",
  description: "Nulls sort first ascending and last descending.",
});
