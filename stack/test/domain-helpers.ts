// Helpers of the custom-domain tests: a real DNS server on loopback (dns2, UDP on 127.0.0.1 and
// a free port, started and stopped by the test file) that the sites subgraph and the
// domains.verify job reach through DNS_SERVERS, and the GraphQL operations on domains.
import dns2 from "dns2";
import { expect } from "vitest";
import type { TestStack } from "./helpers";

const { Packet } = dns2;
const NXDOMAIN = 3;
type Response = ReturnType<typeof Packet.createResponseFromRequest>;
type Answer = Response["answers"][number];

export type TestDnsServer = {
  /** `127.0.0.1:<port>`, as DNS_SERVERS takes it. */
  address: string;
  /** Serves these TXT records at `name`; a record given as an array is split into character strings. */
  setTxt: (name: string, records: (string | string[])[]) => void;
  /** Answers every question about `name` with this response code (2 SERVFAIL, 5 REFUSED). */
  failWith: (name: string, rcode: number) => void;
  /** Forgets `name`: NXDOMAIN again. */
  remove: (name: string) => void;
  /** The names asked so far, lower-cased, oldest first. */
  asked: () => string[];
  close: () => Promise<void>;
};

/** An authoritative-only DNS server on 127.0.0.1 (a free UDP port): NXDOMAIN for every unknown name. */
export const startTestDnsServer = async (): Promise<TestDnsServer> => {
  const txt = new Map<string, string[][]>();
  const failures = new Map<string, number>();
  const asked: string[] = [];
  const server = dns2.createServer({
    udp: { type: "udp4" },
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request) as Response & {
        header: { rcode: number };
      };
      const question = request.questions[0] as { name: string; type: number } | undefined;
      const name = question?.name.toLowerCase() ?? "";
      asked.push(name);
      const failure = failures.get(name);
      const records = txt.get(name);
      if (failure !== undefined) response.header.rcode = failure;
      else if (!records) response.header.rcode = NXDOMAIN;
      else if (question?.type === Packet.TYPE.TXT) {
        for (const data of records) {
          response.answers.push({
            name: question.name,
            type: Packet.TYPE.TXT,
            class: Packet.CLASS.IN,
            ttl: 0,
            data,
          } as Answer);
        }
      }
      send(response);
    },
  });
  await server.listen({ udp: { port: 0, address: "127.0.0.1" } });
  const port = server.addresses().udp?.port;
  if (!port) throw new Error("the test DNS server did not bind");
  return {
    address: `127.0.0.1:${port}`,
    setTxt: (name, records) => {
      failures.delete(name.toLowerCase());
      txt.set(
        name.toLowerCase(),
        records.map((record) => (Array.isArray(record) ? record : [record])),
      );
    },
    failWith: (name, rcode) => {
      failures.set(name.toLowerCase(), rcode);
    },
    remove: (name) => {
      txt.delete(name.toLowerCase());
      failures.delete(name.toLowerCase());
    },
    asked: () => [...asked],
    close: () => server.close(),
  };
};

export type DomainView = {
  id: string;
  hostname: string;
  status: "PENDING" | "VERIFIED";
  isPrimary: boolean;
  verifiedAt: string | null;
  expiresAt: string | null;
  graceUntil: string | null;
  verification: { recordName: string; recordType: string; recordValue: string };
  site: { id: string };
};

export const DOMAIN_FIELDS =
  "id hostname status isPrimary verifiedAt expiresAt graceUntil verification { recordName recordType recordValue } site { id }";
export const ADD_DOMAIN = `mutation ($input: AddDomainInput!) { addDomain(input: $input) { ${DOMAIN_FIELDS} } }`;
export const VERIFY_DOMAIN = `mutation ($id: ID!) { verifyDomain(id: $id) { ${DOMAIN_FIELDS} } }`;
export const SET_PRIMARY = "mutation ($id: ID!) { setPrimaryDomain(id: $id) { id hostname isPrimary } }";
export const CURRENT_SITE = "{ currentSite { slug } }";

/** Calls addDomain; the response. */
export const addDomain = (t: TestStack, token: string, siteId: string, domain: string) =>
  t.gql(ADD_DOMAIN, { token, variables: { input: { siteId, domain } } });

/** Calls verifyDomain; the response. */
export const verifyDomain = (t: TestStack, token: string, id: string) =>
  t.gql(VERIFY_DOMAIN, { token, variables: { id } });

/** addDomain that must succeed: the domain (PENDING, with its record to publish). */
export const claimed = async (t: TestStack, token: string, siteId: string, domain: string) => {
  const res = await addDomain(t, token, siteId, domain);
  expect(res.json.errors, res.body).toBeUndefined();
  return res.json.data.addDomain as DomainView;
};

/** Publishes a claimed domain's TXT record on `dns` as its owner would. */
export const publish = (dns: TestDnsServer, domain: DomainView) =>
  dns.setTxt(domain.verification.recordName, [domain.verification.recordValue]);

/** addDomain, the record published, verifyDomain: the VERIFIED domain. */
export const proven = async (
  t: TestStack,
  dns: TestDnsServer,
  token: string,
  siteId: string,
  domain: string,
): Promise<DomainView> => {
  const pending = await claimed(t, token, siteId, domain);
  publish(dns, pending);
  const res = await verifyDomain(t, token, pending.id);
  expect(res.json.errors, res.body).toBeUndefined();
  return res.json.data.verifyDomain as DomainView;
};
