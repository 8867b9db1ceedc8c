import { registerEnumType } from "type-graphql";

export enum QueueOrderMode {
  FIFO = "FIFO",
  LIFO = "LIFO",
}
registerEnumType(QueueOrderMode, {
  name: "QueueOrderMode",
  description: "Scheduler order: priority ascending, then queued time (and id) ascending (FIFO) or descending (LIFO).",
});
