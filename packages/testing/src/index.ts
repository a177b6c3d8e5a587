export type { TestDatabase } from "./database";
export { adminUrl, createTestDatabase, TEMPLATE_DATABASE } from "./database";
export { createTestAccount, createTestOrganization, randomSlug } from "./factories";
