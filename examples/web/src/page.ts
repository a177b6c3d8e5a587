import { isTaruviError } from "@taruvi/sdk";

/** The element with this id: the page is static, so a missing one is a bug. */
export const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing`);
  return found as T;
};

const errorBox = element("error");

/** Shows an error as the API names it: its code and message (which names the input field at fault). */
export const showError = (error: unknown) => {
  errorBox.textContent = isTaruviError(error)
    ? `${error.code}: ${error.message}`
    : `Something went wrong: ${error instanceof Error ? error.message : String(error)}`;
  errorBox.hidden = false;
};

export const hideError = () => {
  errorBox.hidden = true;
};

/** `68 bytes`, `1.5 MB`, `1 GB`: binary units, as the plans are written. */
export const formatBytes = (bytes: number): string => {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
};
