export { followImportJob } from "./followImportJob";
export { progressSocket } from "./progressSocket";
export type { ProgressSocketOptions } from "./progressSocket";
export { renderImportJob } from "./renderImportJob";
export { socketUrl } from "./socketUrl";
