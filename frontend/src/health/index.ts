export { healthPoller } from "./healthPoller";
export type { HealthPollerOptions } from "./healthPoller";
export { renderHealth } from "./renderHealth";
export { renderHealthUnavailable } from "./renderHealthUnavailable";
