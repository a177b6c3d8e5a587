import { createTenantChangeBus, type TenantChangeBus } from "@taruvi/tenancy";

/** The sites subgraph's long-lived collaborators, on every request's context. */
export type SitesServices = {
  /** Announces site changes so every gateway's tenant cache drops them at once. */
  bus: TenantChangeBus;
  /** Days a deleted site is kept (restorable) before its schema is dropped. */
  retentionDays: number;
  /** Sites answer at <slug>.<baseDomain>; custom domains may not be under it. */
  baseDomain: string;
};

export const createSitesServices = (options: {
  redisUrl?: string | undefined;
  retentionDays?: number;
  baseDomain?: string;
}): SitesServices & { close: () => Promise<void> } => {
  const bus = createTenantChangeBus({ redisUrl: options.redisUrl });
  return {
    bus,
    retentionDays: options.retentionDays ?? 30,
    baseDomain: options.baseDomain ?? "localhost",
    close: () => bus.close(),
  };
};
