export type { TestDatabase } from "./database";
export { adminUrl, createTestDatabase, templateDatabase } from "./database";
export { createTestAccount, createTestOrganization, randomSlug } from "./factories";
export type { ReceivedEmail } from "./mail";
export { parseEmail, readEmails, waitForEmail } from "./mail";
export type { OwnRedis } from "./redis-server";
export { startOwnRedis } from "./redis-server";
export type { OwnS3 } from "./s3-server";
export { startOwnS3 } from "./s3-server";
