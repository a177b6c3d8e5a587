import { bootSubgraph } from "@taruvi/subgraph-kit";
import { env } from "./env";
import { buildIdentitySubgraph } from "./server";
import { createIdentityServices } from "./services";

await bootSubgraph({
  name: "identity",
  env,
  build: async (deps, database) => {
    const services = await createIdentityServices({
      databaseUrl: database.url,
      redisUrl: env.REDIS_URL,
      signingKeys: env.SIGNING_KEYS,
      dataDir: env.DATA_DIR,
      production: env.NODE_ENV === "production",
      issuer: env.TOKEN_ISSUER,
      platformSignupOpen: env.PLATFORM_SIGNUP,
      refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
      refreshReuseGraceSeconds: env.REFRESH_REUSE_GRACE_SECONDS,
      successorSecret: env.INTERNAL_CONTEXT_SECRET,
      signInFailuresPerEmailAndIp: env.SIGNIN_FAILURES_PER_EMAIL_AND_IP,
      signInFailuresPerEmail: env.SIGNIN_FAILURES_PER_EMAIL,
      signInFailuresPerIp: env.SIGNIN_FAILURES_PER_IP,
      passwordResetEmailsPerHour: env.PASSWORD_RESET_EMAILS_PER_HOUR,
      publicUrl: env.PUBLIC_URL,
      emailEncryptionKey: env.EMAIL_ENCRYPTION_KEY,
    });
    return { subgraph: await buildIdentitySubgraph(deps, services), close: services.close };
  },
});
