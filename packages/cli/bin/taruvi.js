#!/usr/bin/env node
// The `taruvi` management command. In a development checkout (tsx installed) it runs the
// TypeScript source, so it is never stale; in a production install (`npm ci --omit=dev`, the
// image) tsx is absent and it runs the build, `dist/taruvi.js` (`npm run build`).
let register;
try {
  ({ register } = await import("tsx/esm/api"));
} catch {
  register = undefined;
}
if (register) {
  register();
  await import("../src/main.ts");
} else {
  await import("../dist/taruvi.js");
}
