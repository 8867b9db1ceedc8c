import { Field, InputType, registerEnumType } from "type-graphql";

import { TASK_RECORD_SORT_FIELDS } from "../../services/tasks/task-record.model";
import { SortDirection } from "../shared/sort-direction.enum";

export enum TaskRecordOrderField {
  SUBMITTED = "SUBMITTED",
  STARTED = "STARTED",
  COMPLETED = "COMPLETED",
  RECEIVED = "RECEIVED",
  MSG_ID = "MSG_ID",
  CLIENT_UUID = "CLIENT_UUID",
  ENGINE_UUID = "ENGINE_UUID",
  QUEUE = "QUEUE",
  LABEL = "LABEL",
}

// Keep the GraphQL enum and the service's sortable fields one list.
const _sameSortFields: Record<TaskRecordOrderField, unknown> = TASK_RECORD_SORT_FIELDS;
void _sameSortFields;

registerEnumType(TaskRecordOrderField, { name: "TaskRecordOrderField" });

@InputType()
export class TaskRecordOrder {
  @Field(() => TaskRecordOrderField)
  field!: TaskRecordOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}
