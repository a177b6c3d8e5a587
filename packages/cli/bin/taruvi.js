#!/usr/bin/env node
// The `taruvi` management command. Workspace packages ship TypeScript source; tsx loads it.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
