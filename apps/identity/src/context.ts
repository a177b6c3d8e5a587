import type { RequestContext } from "@taruvi/subgraph-kit";
import type { createLoaders } from "./loaders";
import type { IdentityServices } from "./services";

export type Context = RequestContext<ReturnType<typeof createLoaders>, IdentityServices>;

/** What the API shows of an account or a site user. */
export type UserView = {
  id: string;
  email: string;
  name: string;
  isActive: boolean;
  isAdmin: boolean;
  emailVerified: boolean;
  createdAt: Date;
};
