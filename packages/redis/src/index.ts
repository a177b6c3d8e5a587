export type { RedisClient, RedisConnection, RedisLogger } from "./connection";
export { connectRedis } from "./connection";
