export type { ResourceEnv, SharedResources } from "./resources";
export { openResources } from "./resources";
export type { Running, ShutdownTimes } from "./signals";
export { stopOnSignals } from "./signals";
