export { autosubmit } from "./autosubmit";
export type { AutosubmitOptions } from "./autosubmit";
export { rowLinks } from "./rowLinks";
export type { RowLinkOptions } from "./rowLinks";
