import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper";
import { deployableEnvShape, int, loadDeployableEnv, number, productionBaseProblems } from "@taruvi/config";
import { type Pool, type PrismaClientClass, type TenantClient, tenantClientFactory } from "@taruvi/db";
import type { RetryPolicy } from "@taruvi/jobs";
import { CORE_ENTITIES, SERVICE_NAME } from "@taruvi/registry";
import { openResources, type Running, type SharedResources } from "@taruvi/runtime";
import type { DisconnectableClient, TenantClientCache } from "@taruvi/tenancy";
import { type DocumentNode, Kind } from "graphql";
import type { z } from "zod";
import type { RequestContext } from "./context";
import { createSubgraphDeps } from "./deps";
import {
  checkHooksAndJobs,
  type ServiceJob,
  type ServiceJobs,
  type SiteHooks,
  startHooksAndJobs,
} from "./hooks";
import { assertPlanLimits, type ServicePlanLimits } from "./plans";
import { createSubgraph, type HttpRoutes, type Subgraph } from "./server";
import type { SubgraphRules } from "./shield";

/** The variables every subgraph reads, before its own (`ServiceDefinition.env`). */
export const subgraphEnvShape = (port: number) => ({
  ...deployableEnvShape({ port, poolSize: 10 }),
  /** Site-bound Prisma clients kept per process (least recently used ones are released). */
  TENANT_CLIENT_CACHE_SIZE: int(32, { min: 1, max: 10_000 }),
  /** How often an idle queue of the service's hooks and jobs is polled (pg-boss allows 0.5 s at least). */
  JOB_POLLING_INTERVAL_SECONDS: number(2, { min: 0.5, max: 60 }),
});

/** What every subgraph's environment holds. */
export type SubgraphEnv = Readonly<z.infer<z.ZodObject<ReturnType<typeof subgraphEnvShape>>>>;

/** A service's parsed environment: the subgraph variables plus its own. */
export type ServiceEnv<Shape extends z.ZodRawShape = Record<never, never>> = SubgraphEnv &
  Readonly<z.infer<z.ZodObject<Shape>>>;

/** What a service's `services` factory is given: the process's shared resources and its tenant clients. */
export type ServiceResources<Db = TenantClient> = SharedResources & {
  tenants: TenantClientCache<Db & DisconnectableClient>;
  /** Enqueues one of the service's own `jobs` (with `db`, in that transaction); refused for an undeclared name. */
  jobs: ServiceJobs;
  /**
   * Where the service listens (its origin, `http://127.0.0.1:4101`), known once it listens: for URLs of its
   * own `routes` it hands out. Throws if called before.
   */
  url: () => string;
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
  /**
   * Entities of other services it references or adds fields to (`User`, `Site`): declared in its
   * SDL with their `@key`, resolved by their owner. Checked against the SDL at definition.
   */
  extends?: readonly string[];
  /** Its own limits per plan (`planLimit(ctx, limits, name)` reads the site's); see ./plans.ts. */
  planLimits?: ServicePlanLimits;
  /** Its own variables, beside the subgraph ones (zod, as packages/config builds them). */
  env?: Shape;
  /** Start-up refusals beyond the common ones (e.g. development secrets in production). */
  envProblems?: (env: ServiceEnv<Shape>) => string[];
  /** Long-lived collaborators on every request's context as `services`; their `close`, if any, at shutdown. */
  services?: (env: ServiceEnv<Shape>, resources: ServiceResources<Db>) => Promise<Services> | Services;
  /**
   * HTTP routes of its own beside /graphql and /healthz (e.g. files' local storage), reached
   * directly by clients, not through the gateway: no signed context, so each route authenticates
   * its requests itself (signed URLs). Answers and resolves true for a request it serves.
   */
  routes?: (services: Services) => HttpRoutes;
  /**
   * What it does when a site is created, suspended, resumed, deleted, restored or purged. Each
   * committed change is delivered to its own process through pg-boss (queue
   * `<name>.site-events`), at least once, retried on a throw (`hookRetry`): hooks must be idempotent.
   */
  hooks?: SiteHooks<Services, Db>;
  /** How a failed hook is retried (default 10 more tries, 30 s apart, doubling). */
  hookRetry?: Partial<RetryPolicy>;
  /** Its background and scheduled work (queues `<name>.<job>`), run by its own process. */
  jobs?: readonly ServiceJob<Services, Db>[];
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
  checkHooksAndJobs(definition.name, definition.hooks, definition.jobs, definition.hookRetry);
  for (const permission of Object.keys(definition.permissions ?? {})) {
    if (!permission.startsWith(`${definition.name}.`)) {
      throw new Error(
        `permission "${permission}" of service ${definition.name} must start with "${definition.name}."`,
      );
    }
  }
  if (definition.planLimits) assertPlanLimits(definition.name, definition.planLimits);
  assertExtends(definition.name, definition.typeDefs, definition.extends ?? []);
  return definition;
};

/** The SDL's entity types (`@key`), with whether they are references only (`resolvable: false`). */
const entityTypes = (typeDefs: DocumentNode): Map<string, { resolvable: boolean }> => {
  const entities = new Map<string, { resolvable: boolean }>();
  for (const node of typeDefs.definitions) {
    if (node.kind !== Kind.OBJECT_TYPE_DEFINITION && node.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const key = node.directives?.find((d) => d.name.value === "key");
    if (!key) continue;
    const resolvable = key.arguments?.find((a) => a.name.value === "resolvable");
    entities.set(node.name.value, {
      resolvable: !(resolvable?.value.kind === Kind.BOOLEAN && resolvable.value.value === false),
    });
  }
  return entities;
};

/**
 * `extends` says which entities belong to someone else: every entity in the SDL that another
 * service owns (CORE_ENTITIES) or that it only references (`resolvable: false`) must be listed,
 * and everything listed must be an entity of the SDL. A service cannot quietly redefine `User`.
 */
const assertExtends = (name: string, typeDefs: DocumentNode, declared: readonly string[]): void => {
  const entities = entityTypes(typeDefs);
  for (const type of declared) {
    if (!entities.has(type)) {
      throw new Error(`service ${name} extends ${type}, but its SDL declares no ${type} @key(fields: ...)`);
    }
    if (CORE_ENTITIES[type] === name) throw new Error(`service ${name} extends ${type}, which it owns`);
  }
  for (const [type, { resolvable }] of entities) {
    const owner = CORE_ENTITIES[type];
    if ((owner !== undefined && owner !== name) || !resolvable) {
      if (!declared.includes(type)) {
        throw new Error(
          `service ${name} declares ${type}, ${owner && owner !== name ? `an entity of ${owner}` : "a reference-only entity"}: list it in extends`,
        );
      }
    }
  }
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
    bus: resources.bus,
    ...(definition.tenantModel ? { tenantClient: definition.tenantModel.client } : {}),
  });
  const metrics = resources.metrics.forApp(definition.name);
  metrics.observeClientCache(deps.tenants);
  let servicesBuilt!: (services: Services) => void;
  const servicesReady = new Promise<Services>((resolve) => {
    servicesBuilt = resolve;
  });
  const work = await startHooksAndJobs<Services, Db & DisconnectableClient>({
    service: definition.name,
    hooks: definition.hooks as SiteHooks<Services, Db & DisconnectableClient> | undefined,
    hookRetry: definition.hookRetry,
    jobs: definition.jobs as readonly ServiceJob<Services, Db & DisconnectableClient>[] | undefined,
    pool: resources.pool,
    logger,
    tenants: deps.tenants,
    services: servicesReady,
    pollingIntervalSeconds: env.JOB_POLLING_INTERVAL_SECONDS,
    metrics,
  });
  const jobs: ServiceJobs = {
    send: async (name, data, options) => {
      if (!work) throw new Error(`service ${definition.name} has no job named ${name}`);
      return work.send(name, data, options);
    },
  };
  let listening: string | null = null;
  const url = () => {
    if (!listening) throw new Error(`service ${definition.name} is not listening yet`);
    return new URL(listening).origin;
  };
  let services: Services;
  try {
    services = (
      definition.services
        ? await definition.services(env, { ...resources, logger, tenants: deps.tenants, jobs, url })
        : undefined
    ) as Services;
  } catch (error) {
    // A start that fails leaves nothing running: its workers stop before the error is thrown.
    await work?.close();
    await deps.close();
    await own?.close();
    throw error;
  }
  servicesBuilt(services);
  const subgraph = await createSubgraph<Loaders, Services, Db>({
    name: definition.name,
    typeDefs: definition.typeDefs,
    resolvers: definition.resolvers,
    rules: definition.rules,
    createLoaders: definition.createLoaders,
    services: services as Services,
    deps: deps as never,
    ...(definition.routes ? { routes: definition.routes(services) } : {}),
    metrics,
  });
  listening = await subgraph.listen(env.PORT, env.HOST);
  logger.info({ url: listening }, `${definition.name} subgraph listening`);
  return {
    name: definition.name,
    url: listening,
    subgraph,
    logger,
    beginDrain: subgraph.beginDrain,
    close: async () => {
      await subgraph.close();
      // Running hooks and jobs finish (or are failed, to be retried) before what they use closes.
      await work?.close();
      await (services as { close?: () => Promise<void> } | undefined)?.close?.();
      await deps.close();
      await own?.close();
    },
  };
};

/** The environment a definition's service reads (`start(env: EnvOf<typeof mine>)`). */
// biome-ignore lint/suspicious/noExplicitAny: matches any definition's other parameters
export type EnvOf<D> = D extends ServiceDefinition<infer Shape, any, any, any> ? ServiceEnv<Shape> : never;
