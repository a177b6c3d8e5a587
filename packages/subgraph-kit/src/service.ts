import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { deployableEnvShape, int, loadDeployableEnv, productionBaseProblems } from "@taruvi/config";
import { type Pool, type PrismaClientClass, type TenantClient, tenantClientFactory } from "@taruvi/db";
import { SERVICE_NAME } from "@taruvi/registry";
import { openResources, type Running, type SharedResources } from "@taruvi/runtime";
import type { DisconnectableClient, TenantClientCache } from "@taruvi/tenancy";
import type { DocumentNode } from "graphql";
import type { z } from "zod";
import type { RequestContext } from "./context";
import { createSubgraphDeps } from "./deps";
import { createSubgraph, type Subgraph } from "./server";
import type { SubgraphRules } from "./shield";

/** The variables every subgraph reads, before its own (`ServiceDefinition.env`). */
export const subgraphEnvShape = (port: number) => ({
  ...deployableEnvShape({ port, poolSize: 10 }),
  /** Site-bound Prisma clients kept per process (least recently used ones are released). */
  TENANT_CLIENT_CACHE_SIZE: int(32, { min: 1, max: 10_000 }),
});

/** What every subgraph's environment holds. */
export type SubgraphEnv = Readonly<z.infer<z.ZodObject<ReturnType<typeof subgraphEnvShape>>>>;

/** A service's parsed environment: the subgraph variables plus its own. */
export type ServiceEnv<Shape extends z.ZodRawShape = Record<never, never>> = SubgraphEnv &
  Readonly<z.infer<z.ZodObject<Shape>>>;

/** What a service's `services` factory is given: the process's shared resources and its tenant clients. */
export type ServiceResources<Db = TenantClient> = SharedResources & {
  tenants: TenantClientCache<Db & DisconnectableClient>;
};

/**
 * One service: everything the kit, the registry and the stack need to run it exactly like the
 * built-in ones. Data and functions only; `defineService` checks it.
 */
export type ServiceDefinition<
  Shape extends z.ZodRawShape = Record<never, never>,
  Services = unknown,
  Loaders = unknown,
  Db = TenantClient,
> = {
  /** Lower-case letters and digits (the registry's SERVICE_NAME); the subgraph name, the audience of its context, its ledger key. */
  name: string;
  /** Default port when run alone (PORT overrides). */
  port: number;
  /** Federation 2 SDL: the reviewed source of truth. */
  typeDefs: DocumentNode;
  // biome-ignore lint/suspicious/noExplicitAny: resolver maps are typed per service
  resolvers: GraphQLResolverMap<any>;
  /** graphql-shield rules, deny by default (see ./shield.ts). */
  rules: SubgraphRules;
  /** DataLoaders, built once per request. */
  createLoaders: (ctx: Omit<RequestContext<Loaders, Services, Db>, "loaders">) => Loaders;
  /**
   * Site permissions it adds to the catalog (`<name>.<verb>` → what it allows). Grants, groups,
   * object grants and API-key scopes take them like the built-in ones.
   */
  permissions?: Readonly<Record<string, string>>;
  /**
   * Its tenant data model's client: its own generated Prisma client bound to one schema (a
   * request's `db`). Its SQL migrations sit in `<dir>/prisma/migrations`, where the registry finds them.
   */
  tenantModel?: {
    client: (pool: Pool, schema: string) => Db & DisconnectableClient;
  };
  /** Its own variables, beside the subgraph ones (zod, as packages/config builds them). */
  env?: Shape;
  /** Start-up refusals beyond the common ones (e.g. development secrets in production). */
  envProblems?: (env: ServiceEnv<Shape>) => string[];
  /** Long-lived collaborators on every request's context as `services`; their `close`, if any, at shutdown. */
  services?: (env: ServiceEnv<Shape>, resources: ServiceResources<Db>) => Promise<Services> | Services;
};

/**
 * A service's `tenantModel` from its own generated Prisma client class:
 * `tenantModel: prismaTenantModel(PrismaClient)` (`./generated/client`, from its prisma/schema.prisma).
 * Each site's client shares the process pool and the kit's bounded tenant-client cache.
 */
export const prismaTenantModel = <Db extends DisconnectableClient>(
  Client: PrismaClientClass<Db>,
): NonNullable<ServiceDefinition<Record<never, never>, unknown, unknown, Db>["tenantModel"]> => ({
  client: tenantClientFactory(Client),
});

/** Checks a definition's shape once, at import: a wrong name or permission fails at start-up. */
export const defineService = <Shape extends z.ZodRawShape, Services, Loaders, Db = TenantClient>(
  definition: ServiceDefinition<Shape, Services, Loaders, Db>,
): ServiceDefinition<Shape, Services, Loaders, Db> => {
  if (!SERVICE_NAME.test(definition.name)) {
    throw new Error(`service name "${definition.name}" must match ${SERVICE_NAME}`);
  }
  for (const permission of Object.keys(definition.permissions ?? {})) {
    if (!permission.startsWith(`${definition.name}.`)) {
      throw new Error(
        `permission "${permission}" of service ${definition.name} must start with "${definition.name}."`,
      );
    }
  }
  return definition;
};

/** A service's environment from `source` (process.env): every problem printed, then exit 1. */
export const loadServiceEnv = <Shape extends z.ZodRawShape>(
  definition: Pick<ServiceDefinition<Shape, never, never, never>, "port" | "env" | "envProblems">,
  source: Record<string, string | undefined> = process.env,
): ServiceEnv<Shape> =>
  loadDeployableEnv(
    { ...subgraphEnvShape(definition.port), ...(definition.env ?? ({} as Shape)) },
    source,
    (env) => {
      const parsed = env as unknown as ServiceEnv<Shape>;
      return [...productionBaseProblems(parsed), ...(definition.envProblems?.(parsed) ?? [])];
    },
  ) as unknown as ServiceEnv<Shape>;

export type RunningService = Running & { name: string; url: string; subgraph: Subgraph };

/**
 * Starts one service: with `shared` (the stack), on the process's pool, logger and bus; alone, on
 * its own (`openResources`). Listens on HOST:PORT; `close` drains it and releases what it opened.
 */
export const startService = async <Shape extends z.ZodRawShape, Services, Loaders, Db>(
  definition: ServiceDefinition<Shape, Services, Loaders, Db>,
  env: ServiceEnv<Shape>,
  shared?: SharedResources,
): Promise<RunningService> => {
  const own = shared ? null : await openResources(definition.name, env);
  const resources = shared ?? (own as SharedResources);
  const logger = shared ? shared.logger.child({ service: definition.name }) : resources.logger;
  const deps = createSubgraphDeps<Db & DisconnectableClient>({
    pool: resources.pool,
    logger,
    internalContextSecret: env.INTERNAL_CONTEXT_SECRET,
    tenantClientCacheSize: env.TENANT_CLIENT_CACHE_SIZE,
    ...(definition.tenantModel ? { tenantClient: definition.tenantModel.client } : {}),
  });
  const services = definition.services
    ? await definition.services(env, { ...resources, logger, tenants: deps.tenants })
    : undefined;
  const subgraph = await createSubgraph<Loaders, Services, Db>({
    name: definition.name,
    typeDefs: definition.typeDefs,
    resolvers: definition.resolvers,
    rules: definition.rules,
    createLoaders: definition.createLoaders,
    services: services as Services,
    deps: deps as never,
  });
  const url = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url }, `${definition.name} subgraph listening`);
  return {
    name: definition.name,
    url,
    subgraph,
    logger,
    close: async () => {
      await subgraph.close();
      await (services as { close?: () => Promise<void> } | undefined)?.close?.();
      await deps.close();
      await own?.close();
    },
  };
};

/** The environment a definition's service reads (`start(env: EnvOf<typeof mine>)`). */
// biome-ignore lint/suspicious/noExplicitAny: matches any definition's other parameters
export type EnvOf<D> = D extends ServiceDefinition<infer Shape, any, any, any> ? ServiceEnv<Shape> : never;
