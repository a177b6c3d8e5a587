export type { Stack, StackOptions } from "./start-stack";
export { startStack } from "./start-stack";
