import t from "tap";
import { keyPrefixProblem, parseClusterNode } from "../../../src/store/redis-client.ts";
import { redisErrorCause } from "../../../src/store/redis-error-cause.ts";

// Messages as Redis 7.0 and ioredis 6.0.0 (built/cluster/index.js handleError, built/utils
// CONNECTION_CLOSED_ERROR_MSG) word them.
t.test(
  "failed commands map to a bounded cause; replies ioredis or the caller handle do not count",
  async (t) => {
    const cases: [string, string | null][] = [
      ["OOM command not allowed when used memory > 'maxmemory'.", "oom"],
      ["CROSSSLOT Keys in request don't hash to the same slot", "crossslot"],
      ["READONLY You can't write against a read only replica.", "readonly"],
      [
        "Too many Cluster redirections. Last error: ReplyError: MOVED 1 127.0.0.1:7001",
        "redirections",
      ],
      ["CLUSTERDOWN The cluster is down", "cluster_down"],
      ["Connection is closed.", "connection"],
      ["Stream isn't writeable and enableOfflineQueue options is false", "connection"],
      ["connect ECONNREFUSED 127.0.0.1:6379", "connection"],
      ["Command timed out", "timeout"],
      ["WRONGTYPE Operation against a key holding the wrong kind of value", "other"],
      ["MOVED 3999 127.0.0.1:6381", null],
      ["ASK 3999 127.0.0.1:6381", null],
      ["TRYAGAIN Multiple keys request during rehashing of slot", null],
      ["BUSYGROUP Consumer Group name already exists", null],
      ["NOGROUP No such key 'x' or consumer group 'y'", null],
      ["NOSCRIPT No matching script. Please use EVAL.", null],
    ];
    for (const [message, cause] of cases)
      t.equal(redisErrorCause(new Error(message)), cause, message);
  },
);

t.test("cluster seed nodes and the key prefix", async (t) => {
  t.same(parseClusterNode("10.0.0.1:7000"), { host: "10.0.0.1", port: 7000 });
  t.same(parseClusterNode("[::1]:7001"), { host: "::1", port: 7001 });
  t.throws(() => parseClusterNode("redis-0"), /host:port/);
  t.equal(keyPrefixProblem("jurist:"), null);
  t.match(keyPrefixProblem("{jurist}:"), /must not contain/);
});
