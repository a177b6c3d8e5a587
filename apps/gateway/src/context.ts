import type { Actor, ClientInfo, TenantRef } from "@taruvi/auth";
import type { Logger } from "@taruvi/logging";

/** What the gateway knows of a request once tenant and caller are verified. */
export type GatewayContext = {
  requestId: string;
  tenant: TenantRef | null;
  actor: Actor | null;
  client: ClientInfo;
  logger: Logger;
};
