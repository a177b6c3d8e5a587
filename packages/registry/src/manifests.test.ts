import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import registryFile from "../../../services/registry.json" with { type: "json" };
import { deploymentFiles } from "./manifests";
import { parseRegistry, ROOT, SERVICES } from "./registry";

// What `npm run compose` writes for main's registry, and for the same registry plus one product
// service: registering it is the only edit, everything else follows.
const withDemo = parseRegistry({
  services: [...registryFile.services, { name: "demo", dir: "services/demo", port: 4100 }],
});
const before = new Map(deploymentFiles(SERVICES).map((f) => [f.path, f.text]));
const after = new Map(deploymentFiles(withDemo).map((f) => [f.path, f.text]));
const file = (path: string) => {
  const text = after.get(path);
  if (text === undefined) throw new Error(`${path} was not generated`);
  return text;
};
const yamlDocs = (path: string) => parseAllDocuments(file(path)).map((d) => d.toJS());

type Env = Record<string, string>;
type ComposeService = {
  environment: Env;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
};

describe("deployment files follow the registry", () => {
  it("are the committed ones for main's registry (npm run compose:check)", () => {
    for (const [path, text] of before) {
      expect(readFileSync(`${ROOT}${path}`, "utf8"), path).toBe(text);
    }
  });

  it("gain the new service's manifest and change nothing else beyond the registry's lists", () => {
    expect([...after.keys()].sort()).toEqual([...before.keys(), "infra/k8s/demo.yaml"].sort());
    // The core subgraphs' own manifests are untouched by a product service.
    for (const name of ["identity", "organizations", "sites", "audit"]) {
      expect(after.get(`infra/k8s/${name}.yaml`)).toBe(before.get(`infra/k8s/${name}.yaml`));
    }
  });

  it("docker-compose.yml runs the service, health-checked, and the gateway waits for and finds it", () => {
    const compose = parseYaml(file("docker-compose.yml"), { merge: true }) as {
      services: Record<string, ComposeService>;
    };
    const demo = compose.services.demo;
    expect(demo?.environment).toMatchObject({ APP: "demo", PORT: "4100", NODE_ENV: "production" });
    // Like every subgraph: the shared database, Redis and context secret, no token-signing keys.
    expect(Object.keys(demo?.environment ?? {})).toEqual(
      expect.arrayContaining(["DATABASE_URL", "REDIS_URL", "INTERNAL_CONTEXT_SECRET"]),
    );
    expect(demo?.environment).not.toHaveProperty("SIGNING_KEYS");
    expect(demo?.healthcheck?.test?.join(" ")).toContain("/healthz");
    expect(demo?.depends_on).toMatchObject({ migrate: { condition: "service_completed_successfully" } });

    const gateway = compose.services.gateway;
    expect(gateway?.environment.SUBGRAPH_DEMO_URL).toBe("http://demo:4100/graphql");
    expect(gateway?.depends_on?.demo).toEqual({ condition: "service_healthy" });
    for (const service of withDemo) {
      expect(gateway?.environment[service.urlVariable]).toBe(
        `http://${service.name}:${service.port}/graphql`,
      );
      expect(compose.services[service.name]?.environment.APP).toBe(service.name);
    }
  });

  it("infra/k8s/demo.yaml: a Deployment, Service and PodDisruptionBudget on its port with only a subgraph's secrets", () => {
    const [deployment, service, budget] = yamlDocs("infra/k8s/demo.yaml");
    expect(deployment).toMatchObject({
      kind: "Deployment",
      metadata: { name: "demo", labels: { "app.kubernetes.io/component": "subgraph" } },
      spec: { selector: { matchLabels: { "app.kubernetes.io/name": "demo" } } },
    });
    const container = deployment.spec.template.spec.containers[0];
    expect(container.ports).toEqual([{ name: "http", containerPort: 4100 }]);
    const env = Object.fromEntries(
      (
        container.env as { name: string; value?: string; valueFrom?: { secretKeyRef: { key: string } } }[]
      ).map((e) => [e.name, e.value ?? `secret:${e.valueFrom?.secretKeyRef.key}`]),
    );
    expect(env).toEqual({
      APP: "demo",
      PORT: "4100",
      DB_POOL_SIZE: "10",
      SHUTDOWN_TIMEOUT_MS: "20000",
      DATABASE_URL: "secret:DATABASE_URL",
      INTERNAL_CONTEXT_SECRET: "secret:INTERNAL_CONTEXT_SECRET",
    });
    // A stopping pod leaves the Service at once (/readyz 503 "draining"), and preStop plus the
    // app's own bounded stop end before Kubernetes would SIGKILL it.
    expect(container.readinessProbe.httpGet.path).toBe("/readyz");
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
    expect(preStopSeconds + Number(env.SHUTDOWN_TIMEOUT_MS) / 1000).toBeLessThan(
      deployment.spec.template.spec.terminationGracePeriodSeconds,
    );
    // The label the NetworkPolicy selects: reachable from gateway pods only.
    expect(deployment.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("subgraph");
    expect(service).toMatchObject({
      kind: "Service",
      spec: { selector: { "app.kubernetes.io/name": "demo" }, ports: [{ port: 4100, targetPort: "http" }] },
    });
    expect(budget).toMatchObject({ kind: "PodDisruptionBudget", metadata: { name: "demo" } });
  });

  it("the kustomization applies it, the NetworkPolicy opens its port to the gateway, the ConfigMap points the gateway at it", () => {
    const [kustomization] = yamlDocs("infra/k8s/kustomization.yaml");
    expect(kustomization.resources).toContain("demo.yaml");
    expect(kustomization.resources).toEqual(
      expect.arrayContaining(
        withDemo.map((s) => `${s.name}.yaml`).concat(["gateway.yaml", "networkpolicy.yaml"]),
      ),
    );

    const [policy] = yamlDocs("infra/k8s/networkpolicy.yaml");
    expect(policy.spec.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/component": "subgraph" } });
    expect(policy.spec.ingress).toHaveLength(1);
    expect(policy.spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { "app.kubernetes.io/name": "gateway" } } },
    ]);
    expect(policy.spec.ingress[0].ports).toEqual(withDemo.map((s) => ({ protocol: "TCP", port: s.port })));

    const [config] = yamlDocs("infra/k8s/configmap.yaml");
    expect(config.data.SUBGRAPH_DEMO_URL).toBe("http://demo:4100/graphql");
    for (const s of withDemo) expect(config.data[s.urlVariable]).toBe(`http://${s.name}:${s.port}/graphql`);
  });

  it("a removed service leaves nothing behind in what is generated", () => {
    const withoutAudit = parseRegistry({ services: registryFile.services.filter((s) => s.name !== "audit") });
    const text = deploymentFiles(withoutAudit)
      .map((f) => `${f.path}\n${f.text}`)
      .join("\n");
    expect(text).not.toMatch(/\baudit:|audit\.yaml|SUBGRAPH_AUDIT_URL|4004/);
  });
});
