import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/**
 * Lets the bench record a V8 CPU profile of this process over IPC: `{ type: "profile-start" }`
 * answers `{ type: "profile-started" }`; `{ type: "profile-stop", path }` writes the profile to
 * `path` and answers `{ type: "profile-saved", path }`. Nothing runs until asked.
 */
export const acceptProfilingRequests = (): void => {
  let profiler: Session | null = null;
  process.on("message", (message: { type?: string; path?: string }) => {
    void (async () => {
      if (message.type === "profile-start" && !profiler) {
        profiler = new Session();
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.setSamplingInterval", { interval: 200 });
        await profiler.post("Profiler.start");
        process.send?.({ type: "profile-started" });
      } else if (message.type === "profile-stop" && profiler && message.path) {
        const { profile } = await profiler.post("Profiler.stop");
        profiler.disconnect();
        profiler = null;
        writeFileSync(message.path, JSON.stringify(profile));
        process.send?.({ type: "profile-saved", path: message.path });
      }
    })();
  });
};
