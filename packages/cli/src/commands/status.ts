import { migrationStatus } from "@taruvi/migrator";
import { withContext } from "../context";
import { print, printJson, printTable } from "../output";

/** Exit 1 when the platform or any site schema is behind, failed or refused. */
export const status = async ({ json }: { json: boolean }): Promise<number> =>
  withContext(
    async ({ pool, platformSet, tenantSets }) => {
      const result = await migrationStatus(pool, { platform: platformSet, tenant: tenantSets });
      if (json) {
        printJson(result);
      } else {
        const { platform, sites, services } = result;
        print(
          platform.refused
            ? `platform: REFUSED ${platform.refused}`
            : platform.pending.length === 0
              ? "platform: up to date"
              : `platform: ${platform.pending.length} pending (${platform.pending.join(", ")})`,
        );
        print(
          `sites: ${sites.total} total, ${sites.current} current, ${sites.behind} behind, ` +
            `${sites.failed} failed, ${sites.provisioning} provisioning`,
        );
        if (sites.refused) print(`sites: REFUSED ${sites.refused}`);
        for (const s of services) {
          print(
            `  ${s.service}: head ${s.head ?? "none"}, ${s.current} current, ${s.behind} behind, ${s.failed} failed`,
          );
        }
        if (result.siteDetails.length > 0) {
          printTable(
            ["SLUG", "SERVICE", "STATE", "VERSION", "ERROR"],
            result.siteDetails.map((s) => [s.slug, s.service, s.state, s.version ?? "-", s.error ?? ""]),
          );
        }
      }
      return result.ok ? 0 : 1;
    },
    { requireMigrated: false },
  );
