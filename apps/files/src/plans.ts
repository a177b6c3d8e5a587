import type { ServicePlanLimits } from "@taruvi/subgraph-kit";

const MB = 1024 * 1024;
const GB = 1024 * MB;

/**
 * What each plan allows: the largest single file and the site's storage in all (bytes; null:
 * unlimited). 5 GiB is the largest object one S3 PUT can carry.
 */
export const FILES_PLAN_LIMITS = {
  FREE: { maxFileBytes: 25 * MB, storageBytes: 1 * GB },
  PRO: { maxFileBytes: 1 * GB, storageBytes: 100 * GB },
  ENTERPRISE: { maxFileBytes: 5 * GB, storageBytes: null },
} as const satisfies ServicePlanLimits<"maxFileBytes" | "storageBytes">;

/** `25 MB`, `1.5 GB`: binary units, as the limits above are written. */
export const formatBytes = (bytes: number): string => {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : Number(value.toFixed(1))} ${units[unit]}`;
};
