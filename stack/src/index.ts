export type { AnyService } from "./services";
export type { Stack, StackOptions } from "./start-stack";
export { startStack } from "./start-stack";
