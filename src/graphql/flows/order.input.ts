import { Field, InputType } from "type-graphql";

import { FLOW_SORT_FIELDS, JOB_SORT_FIELDS } from "../../services/flows/jobflow.model";
import { SortDirection } from "../shared/sort-direction.enum";
import { FlowOrderField, JobOrderField } from "./job-state.enum";

@InputType()
export class JobOrder {
  @Field(() => JobOrderField)
  field!: keyof typeof JOB_SORT_FIELDS;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}

@InputType()
export class FlowOrder {
  @Field(() => FlowOrderField)
  field!: keyof typeof FLOW_SORT_FIELDS;

  @Field(() => SortDirection, { defaultValue: SortDirection.ASC })
  direction!: SortDirection;
}
