import { migrationStatus } from "@taruvi/tenancy";
import { withContext } from "../context";
import { print, printJson, printTable } from "../output";

/** Exit 1 when the platform or any site schema is behind, failed or refused. */
export const status = async ({ json }: { json: boolean }): Promise<number> =>
  withContext(
    async ({ pool, platformSet, tenantSet }) => {
      const result = await migrationStatus(pool, { platform: platformSet, tenant: tenantSet });
      if (json) {
        printJson(result);
      } else {
        const { platform, sites } = result;
        print(
          platform.refused
            ? `platform: REFUSED ${platform.refused}`
            : platform.pending.length === 0
              ? "platform: up to date"
              : `platform: ${platform.pending.length} pending (${platform.pending.join(", ")})`,
        );
        print(
          `sites: ${sites.total} total, ${sites.current} current, ${sites.behind} behind, ` +
            `${sites.failed} failed, ${sites.provisioning} provisioning (head ${sites.head ?? "none"})`,
        );
        if (result.siteDetails.length > 0) {
          printTable(
            ["SLUG", "STATE", "VERSION", "ERROR"],
            result.siteDetails.map((s) => [s.slug, s.state, s.version ?? "-", s.error ?? ""]),
          );
        }
      }
      return result.ok ? 0 : 1;
    },
    { requireMigrated: false },
  );
