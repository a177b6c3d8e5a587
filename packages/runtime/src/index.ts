export type { ResourceEnv, SharedResources } from "./resources";
export { openResources } from "./resources";
export type { Running } from "./signals";
export { stopOnSignals } from "./signals";
