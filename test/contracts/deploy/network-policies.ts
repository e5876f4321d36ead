import type { K8sObject } from "./rendered-manifests.ts";

/**
 * A small evaluator of rendered NetworkPolicies (networking.k8s.io/v1), so a test can ask
 * "may this pod call that one on this port?" instead of reading YAML. It follows the API
 * reference's semantics (kubernetes.io/docs/reference/kubernetes-api/policy-resources/
 * network-policy-v1, and concepts/services-networking/network-policies, as published for
 * Kubernetes v1.32, the release whose kubectl .ci/run pins; the v1 API's semantics used here
 * date from its GA in v1.7, `endPort`, which is not modelled, from v1.25): a pod is isolated
 * in a direction once any policy in its namespace selects it with that direction in its
 * policyTypes (Ingress is implied when policyTypes is absent; Egress only when the policy has
 * egress rules); an isolated pod's traffic is allowed when one rule of one such policy allows
 * it, the policies adding up. In a rule, absent or empty `from`/`to` is every peer and absent
 * or empty `ports` every port; a peer with only a podSelector means pods of the policy's own
 * namespace, with only a namespaceSelector every pod of the matching namespaces, with both
 * the matching pods of the matching namespaces. A named port is the destination container's
 * port of that name. ipBlock peers are not modelled (the evaluator refuses them).
 */

export interface Pod {
  namespace: string;
  labels: Record<string, string>;
  /** Container ports, by name, for named ports in policies. */
  ports?: { name?: string; containerPort: number }[];
}

interface Expression {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  values?: string[];
}
interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Expression[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: unknown;
}
interface PolicyPort {
  port?: number | string;
  protocol?: string;
  endPort?: number;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: PolicyPort[];
}
export interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: Selector;
    policyTypes?: ("Ingress" | "Egress")[];
    ingress?: Rule[];
    egress?: Rule[];
  };
}

/** Whether `labels` match a label selector (an empty selector matches everything). */
export function matches(selector: Selector, labels: Record<string, string>): boolean {
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    const has = e.key in labels;
    switch (e.operator) {
      case "In":
        return has && (e.values ?? []).includes(labels[e.key]!);
      case "NotIn":
        return !has || !(e.values ?? []).includes(labels[e.key]!);
      case "Exists":
        return has;
      case "DoesNotExist":
        return !has;
      default:
        throw new Error(`unknown selector operator ${e.operator}`);
    }
  });
  return byLabel && byExpression;
}

/** A namespace's labels as the API server sets them (kubernetes.io/metadata.name). */
const namespaceLabels = (namespace: string) => ({ "kubernetes.io/metadata.name": namespace });

function peerMatches(peer: Peer, policyNamespace: string, pod: Pod): boolean {
  if (peer.ipBlock) throw new Error("ipBlock peers are not modelled");
  if (!peer.namespaceSelector) {
    return pod.namespace === policyNamespace && matches(peer.podSelector ?? {}, pod.labels);
  }
  return (
    matches(peer.namespaceSelector, namespaceLabels(pod.namespace)) &&
    matches(peer.podSelector ?? {}, pod.labels)
  );
}

function portMatches(rule: PolicyPort, destination: Pod, port: number, protocol: string) {
  if ((rule.protocol ?? "TCP") !== protocol) return false;
  if (rule.port === undefined) return true;
  const number =
    typeof rule.port === "number"
      ? rule.port
      : destination.ports?.find((p) => p.name === rule.port)?.containerPort;
  if (number === undefined) return false;
  return rule.endPort === undefined ? number === port : port >= number && port <= rule.endPort;
}

function isolates(policy: NetworkPolicy, direction: "Ingress" | "Egress"): boolean {
  const types =
    policy.spec.policyTypes ?? (policy.spec.egress ? ["Ingress", "Egress"] : ["Ingress"]);
  return types.includes(direction);
}

/**
 * Whether `from` may open a connection to `to` on `port`: `to`'s ingress policies and
 * `from`'s egress policies must both allow it.
 */
export function allowed(
  policies: NetworkPolicy[],
  from: Pod,
  to: Pod,
  port: number,
  protocol = "TCP",
): boolean {
  const side = (subject: Pod, peer: Pod, direction: "Ingress" | "Egress") => {
    const selecting = policies.filter(
      (p) =>
        (p.metadata.namespace ?? "") === subject.namespace &&
        matches(p.spec.podSelector, subject.labels) &&
        isolates(p, direction),
    );
    if (selecting.length === 0) return true;
    return selecting.some((policy) =>
      (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress)?.some((rule) => {
        const peers = direction === "Ingress" ? rule.from : rule.to;
        const peerOk =
          !peers?.length ||
          peers.some((p) => peerMatches(p, policy.metadata.namespace ?? "", peer));
        const portOk =
          !rule.ports?.length || rule.ports.some((p) => portMatches(p, to, port, protocol));
        return peerOk && portOk;
      }),
    );
  };
  return side(to, from, "Ingress") && side(from, to, "Egress");
}
