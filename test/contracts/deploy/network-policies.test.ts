import t from "tap";
import { allowed, type NetworkPolicy, type Pod } from "./network-policies.ts";

/**
 * The evaluator production.test.ts judges the rendered NetworkPolicies with, on the cases the
 * Kubernetes docs (concepts/services-networking/network-policies, "Behavior of to and from
 * selectors") single out: a namespaceSelector and a podSelector in one peer are AND, in two
 * peers OR; an unselected pod is open; policies add up; named ports resolve on the target.
 */

const policy = (name: string, spec: NetworkPolicy["spec"]): NetworkPolicy => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name, namespace: "app" },
  spec,
});
const db: Pod = {
  namespace: "app",
  labels: { role: "db" },
  ports: [{ name: "sql", containerPort: 5432 }],
};
const web: Pod = { namespace: "app", labels: { role: "web" } };
const monitor: Pod = { namespace: "ops", labels: { role: "monitor" } };
const otherInOps: Pod = { namespace: "ops", labels: { role: "shell" } };
const webElsewhere: Pod = { namespace: "ops", labels: { role: "web" } };

t.test("no policy selects a pod: it is open", async (t) => {
  t.ok(allowed([], web, db, 5432));
  const onlyWeb = policy("web", { podSelector: { matchLabels: { role: "web" } }, ingress: [] });
  t.ok(allowed([onlyWeb], monitor, db, 5432), "a policy for another pod does not isolate db");
  t.notOk(allowed([onlyWeb], db, web, 80), "web is isolated and allows nothing");
});

t.test("namespaceSelector and podSelector: one peer is AND, two peers OR", async (t) => {
  const and = policy("and", {
    podSelector: { matchLabels: { role: "db" } },
    ingress: [
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } },
            podSelector: { matchLabels: { role: "monitor" } },
          },
        ],
      },
    ],
  });
  t.ok(allowed([and], monitor, db, 5432), "the monitor in ops");
  t.notOk(allowed([and], otherInOps, db, 5432), "another pod in ops: no");
  t.notOk(allowed([and], { ...monitor, namespace: "app" }, db, 5432), "a monitor in app: no");

  const or = policy("or", {
    podSelector: { matchLabels: { role: "db" } },
    ingress: [
      {
        from: [
          { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "ops" } } },
          { podSelector: { matchLabels: { role: "web" } } },
        ],
      },
    ],
  });
  t.ok(allowed([or], otherInOps, db, 5432), "any pod in ops");
  t.ok(allowed([or], web, db, 5432), "web in db's own namespace");
  t.notOk(
    allowed([or], { namespace: "elsewhere", labels: { role: "web" } }, db, 5432),
    "a podSelector alone means the policy's namespace only",
  );
  t.ok(allowed([or], webElsewhere, db, 5432), "web in ops, through the namespace peer");
});

t.test("ports: named ports resolve on the target; policies add up", async (t) => {
  const sql = policy("sql", {
    podSelector: { matchLabels: { role: "db" } },
    policyTypes: ["Ingress"],
    ingress: [
      { from: [{ podSelector: { matchLabels: { role: "web" } } }], ports: [{ port: "sql" }] },
    ],
  });
  t.ok(allowed([sql], web, db, 5432), "sql is 5432 on db");
  t.notOk(allowed([sql], web, db, 22), "another port: no");
  t.notOk(allowed([sql], web, db, 5432, "UDP"), "another protocol: no");
  const ssh = policy("ssh", {
    podSelector: { matchLabels: { role: "db" } },
    ingress: [{ ports: [{ port: 22 }] }],
  });
  t.ok(allowed([sql, ssh], monitor, db, 22), "a second policy adds port 22 from anywhere");
  t.notOk(allowed([sql, ssh], monitor, db, 5432), "but not sql from the monitor");
});

t.test("egress: an isolated pod may reach only what its rules list", async (t) => {
  const dnsOnly = policy("dns", {
    podSelector: { matchLabels: { role: "db" } },
    policyTypes: ["Egress"],
    egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
  });
  const dns: Pod = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" } };
  t.ok(allowed([dnsOnly], db, dns, 53, "UDP"));
  t.notOk(allowed([dnsOnly], db, web, 80), "anything else: no");
  t.ok(allowed([dnsOnly], web, db, 5432), "its ingress is not isolated by an Egress policy");
});
