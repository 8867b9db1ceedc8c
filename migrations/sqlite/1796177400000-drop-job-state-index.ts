// The same statements on both stores: one class (see the Postgres file for why the index went).
export { DropJobStateIndex1796177400000 } from "../postgres/1796177400000-drop-job-state-index";
