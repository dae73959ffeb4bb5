export { mountFlowPlayer } from "./flowPlayer";
export type { FlowPlayer, FlowPlayerOptions, FlowPlayerState } from "./flowPlayer";
export { prepareFlows } from "./prepareFlows";
