import { registerEnumType } from "type-graphql";

export enum ChangeKind {
  ADDED = "ADDED",
  UPDATED = "UPDATED",
  DELETED = "DELETED",
}

registerEnumType(ChangeKind, { name: "ChangeKind", description: "What happened to the record." });
