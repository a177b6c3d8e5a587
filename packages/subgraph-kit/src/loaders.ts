import DataLoader from "dataloader";

/** A DataLoader by id over a batch query; missing ids resolve to null. */
export const byId = <T extends { id: string }>(load: (ids: readonly string[]) => Promise<T[]>) =>
  new DataLoader<string, T | null>(async (ids) => {
    const rows = new Map((await load(ids)).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });

/** A DataLoader of lists by a foreign key (e.g. sites by organization id). */
export const groupBy = <T>(key: keyof T & string, load: (keys: readonly string[]) => Promise<T[]>) =>
  new DataLoader<string, T[]>(async (keys) => {
    const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of await load(keys)) groups.get(String(row[key]))?.push(row);
    return keys.map((k) => groups.get(k) ?? []);
  });
