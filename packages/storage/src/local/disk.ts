import { randomUUID } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const UUID_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === "ENOENT";

/**
 * The files of the local store: an object `sites/<siteId>/<fileId>` is that path under `dir`,
 * its content type in `<fileId>.type` beside it, and uploads in progress in `dir/.partial/`
 * (same file system, so the final rename is atomic). Callers pass validated keys only.
 */
export const createDisk = (dir: string) => {
  const partial = join(dir, ".partial");
  const dataPath = (key: string) => join(dir, key);
  const typePath = (key: string) => `${dataPath(key)}.type`;

  return {
    /** A fresh temporary path for an upload; `commit` moves it into place. */
    async tempPath(): Promise<string> {
      await mkdir(partial, { recursive: true });
      return join(partial, randomUUID());
    },

    /** Makes the received bytes the object, its type first so a visible object always has one. */
    async commit(key: string, temp: string, contentType: string): Promise<void> {
      await mkdir(dirname(dataPath(key)), { recursive: true });
      const typeTemp = `${temp}.type`;
      await writeFile(typeTemp, contentType, { flag: "wx" });
      await rename(typeTemp, typePath(key));
      await rename(temp, dataPath(key));
    },

    /** The object opened for reading, or null; size and stream come from the one open file. */
    async open(key: string): Promise<{ file: FileHandle; size: number } | null> {
      let file: FileHandle;
      try {
        file = await open(dataPath(key), "r");
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      const info = await file.stat();
      if (!info.isFile()) {
        await file.close();
        return null;
      }
      return { file, size: info.size };
    },

    async head(key: string): Promise<{ size: number; contentType: string | null } | null> {
      try {
        const info = await stat(dataPath(key));
        if (!info.isFile()) return null;
        const contentType = await readFile(typePath(key), "utf8").catch((error) => {
          if (isMissing(error)) return null;
          throw error;
        });
        return { size: info.size, contentType };
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    async remove(key: string): Promise<void> {
      await rm(dataPath(key), { force: true });
      await rm(typePath(key), { force: true });
    },

    /** Removes a site's directory; the count is of its objects (not their type files). */
    async removePrefix(prefix: string): Promise<number> {
      const siteDir = dataPath(prefix);
      const names = await readdir(siteDir).catch((error) => {
        if (isMissing(error)) return [];
        throw error;
      });
      await rm(siteDir, { recursive: true, force: true });
      return names.filter((n) => UUID_NAME.test(n)).length;
    },

    async discard(temp: string): Promise<void> {
      await rm(temp, { force: true });
      await rm(`${temp}.type`, { force: true });
    },
  };
};

export type Disk = ReturnType<typeof createDisk>;
