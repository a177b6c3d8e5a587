export type { WorkerEnv } from "./env";
export { loadWorkerEnv, productionProblems, workerEnvShape } from "./env";
export type { RunningWorker } from "./start";
export { start } from "./start";
