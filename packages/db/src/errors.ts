/** PostgreSQL's unique_violation, whether raised by pg directly or wrapped by Prisma. */
export const isUniqueViolation = (error: unknown): boolean => uniqueViolationTarget(error) !== null;

/** The constraint (or Prisma target) of a unique violation, or null for any other error. */
export const uniqueViolationTarget = (error: unknown): string | null => {
  if (typeof error !== "object" || error === null) return null;
  const e = error as {
    code?: unknown;
    constraint?: unknown;
    meta?: { target?: unknown; driverAdapterError?: { cause?: { constraint?: { fields?: unknown } } } };
  };
  if (e.code === "23505") return typeof e.constraint === "string" ? e.constraint : "";
  if (e.code === "P2002") {
    const target = e.meta?.target ?? e.meta?.driverAdapterError?.cause?.constraint?.fields;
    return Array.isArray(target) ? target.join(",") : String(target ?? "");
  }
  return null;
};
