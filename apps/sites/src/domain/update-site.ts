import { prismaSqlExecutor } from "@taruvi/db";
import { badUserInput, notFound } from "@taruvi/errors";
import { type AuditRecord, auditedPlatformChange, diff, recordAudit } from "@taruvi/subgraph-kit";
import { parseDisplayName } from "@taruvi/validation";
import type { Context } from "../context";
import { assertNotDeleted, getManagedSite } from "./access";
import { announceSite } from "./announce";

export type SiteSettingsInput = { allowSignup?: boolean | null };

export type UpdateSiteInput = {
  name?: string | null;
  settings?: SiteSettingsInput | null;
};

type SiteSettings = { allowSignup: boolean };

/** The settings a site exposes (identity reads `allowSignup`); absent keys take these values. */
export const siteSettingsOf = (settings: unknown): SiteSettings => ({
  allowSignup: (settings as { allowSignup?: unknown } | null)?.allowSignup === true,
});

/** The settings to change (omitted and null ones stay); BAD_USER_INPUT naming a wrong one. */
export const parseSettingsPatch = (
  settings: SiteSettingsInput | null | undefined,
  prefix: string,
): Partial<SiteSettings> => {
  const patch: Partial<SiteSettings> = {};
  const allowSignup = settings?.allowSignup;
  if (allowSignup !== undefined && allowSignup !== null) {
    if (typeof allowSignup !== "boolean") throw badUserInput(`${prefix}allowSignup`, "must be true or false");
    patch.allowSignup = allowSignup;
  }
  return patch;
};

type Tx = Parameters<Parameters<Context["platform"]["$transaction"]>[0]>[0];
type SiteState = { name: string; settings: unknown };

/**
 * Renames a site and/or merges settings into its stored JSON (`settings || $patch`), with the
 * row locked so the before/after it returns is exact and concurrent changes of different keys
 * both survive. NOT_FOUND when the row is gone.
 */
export const changeSite = async (
  tx: Tx,
  siteId: string,
  change: { name: string | null; patch: Partial<SiteSettings> },
): Promise<{ before: SiteState; after: SiteState }> => {
  const [before] = await tx.$queryRaw<SiteState[]>`
    SELECT name, settings FROM platform.sites WHERE id = ${siteId}::uuid FOR UPDATE`;
  if (!before) throw notFound("site");
  const [after] = await tx.$queryRaw<SiteState[]>`
    UPDATE platform.sites
       SET name = coalesce(${change.name}, name),
           settings = settings || ${JSON.stringify(change.patch)}::jsonb,
           updated_at = now()
     WHERE id = ${siteId}::uuid
     RETURNING name, settings`;
  return { before, after: after as SiteState };
};

/**
 * Renames a site and/or changes its settings (`admin_site` on the site), with one `site.updated`
 * event holding the diff, in one transaction; then every gateway is told.
 */
export const updateSite = async (ctx: Context, id: unknown, input: UpdateSiteInput) => {
  const { site } = await getManagedSite(ctx, id);
  assertNotDeleted(site);
  const name = input.name === undefined || input.name === null ? null : parseDisplayName(input.name);
  const patch = parseSettingsPatch(input.settings, "settings.");
  await auditedPlatformChange(ctx, async (tx) => {
    const { before, after } = await changeSite(tx, site.id, { name, patch });
    const state = (s: SiteState) => ({ name: s.name, settings: siteSettingsOf(s.settings) });
    const audit: AuditRecord = {
      action: "site.updated",
      entityType: "Site",
      entityId: site.id,
      organizationId: site.organizationId,
      siteId: site.id,
      changes: diff(state(before), state(after)),
    };
    return { result: null, audit };
  });
  await announceSite(ctx, site.id);
  return ctx.platform.site.findUniqueOrThrow({ where: { id: site.id } });
};

/**
 * Changes the addressed site's settings, from the site's own scope (`settings.manage`: site
 * admins, holders of the permission, API keys with the scope). One `site.settings_updated` event
 * with the diff goes to the site's own audit trail, in the same transaction as the change (one
 * database: the platform transaction writes the site schema's table).
 */
export const updateSiteSettings = async (ctx: Context, input: SiteSettingsInput) => {
  const tenant = ctx.tenant;
  if (!tenant) throw badUserInput("input", "this operation needs a site: send X-Tenant or use its host");
  const patch = parseSettingsPatch(input, "input.");
  if (Object.keys(patch).length === 0) throw badUserInput("input", "nothing to change: give a setting");
  await ctx.platform.$transaction(async (tx) => {
    const { before, after } = await changeSite(tx, tenant.siteId, { name: null, patch });
    await recordAudit(
      ctx,
      prismaSqlExecutor(tx),
      {
        action: "site.settings_updated",
        entityType: "Site",
        entityId: tenant.siteId,
        changes: diff(siteSettingsOf(before.settings), siteSettingsOf(after.settings)),
      },
      { schema: tenant.schema },
    );
  });
  await announceSite(ctx, tenant.siteId);
  ctx.logger.info({ siteId: tenant.siteId }, "site settings updated");
  return ctx.platform.site.findUniqueOrThrow({ where: { id: tenant.siteId } });
};
