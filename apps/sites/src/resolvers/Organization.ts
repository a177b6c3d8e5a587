import type { Context } from "../context";
import { findOrganizationSites } from "../domain/find-sites";

export const Organization = {
  __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
  sites: (organization: { id: string }, _: unknown, ctx: Context) =>
    findOrganizationSites(ctx, organization.id),
};
