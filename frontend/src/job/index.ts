export { followJob } from "./followJob";
export { progressSocket } from "./progressSocket";
export type { ProgressSocketOptions } from "./progressSocket";
export { renderJob } from "./renderJob";
export { socketUrl } from "./socketUrl";
