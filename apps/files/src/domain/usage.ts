/**
 * The site's storage in use: one row (`storage_usage`) changed in the transaction of every
 * reservation and release. A reservation is one conditional UPDATE: PostgreSQL re-checks its
 * condition on the row's latest version once a concurrent reservation commits, so two uploads
 * that together pass the quota cannot both get in.
 */
import { conflict } from "@taruvi/errors";
import { planLimit } from "@taruvi/subgraph-kit";
import type { Context, Tx } from "../context";
import { FILES_PLAN_LIMITS, formatBytes } from "../plans";

/** What the site's plan allows: the largest file and the storage in all (null: unlimited). */
export const storageLimits = async (ctx: Pick<Context, "sitePlan">) => {
  const [file, storage] = await Promise.all([
    planLimit(ctx, FILES_PLAN_LIMITS, "maxFileBytes"),
    planLimit(ctx, FILES_PLAN_LIMITS, "storageBytes"),
  ]);
  return { plan: file.plan, maxFileBytes: file.limit, storageBytes: storage.limit };
};

/** Counts `size` bytes against the quota, or CONFLICT on `plan` when they do not fit. */
export const reserve = async (
  tx: Tx,
  size: number,
  { plan, storageBytes }: { plan: string; storageBytes: number | null },
): Promise<void> => {
  const { count } = await tx.storageUsage.updateMany({
    where: storageBytes === null ? {} : { used: { lte: BigInt(storageBytes - size) } },
    data: { used: { increment: BigInt(size) } },
  });
  if (count === 1) return;
  const usage = await tx.storageUsage.findFirst({ select: { used: true } });
  throw conflict(
    "plan",
    `the ${plan} plan allows ${formatBytes(storageBytes ?? 0)} of storage and ` +
      `${formatBytes(Number(usage?.used ?? 0))} are in use; this file needs ${formatBytes(size)}: ` +
      "delete files or upgrade",
  );
};

/** Gives `size` bytes back (a deleted file, a refused or abandoned upload). */
export const release = async (tx: Tx, size: bigint): Promise<void> => {
  await tx.storageUsage.updateMany({ data: { used: { decrement: size } } });
};

/** Bytes in use now. */
export const usedBytes = async (ctx: Pick<Context, "db">): Promise<number> =>
  Number((await ctx.db.storageUsage.findFirst({ select: { used: true } }))?.used ?? 0);
