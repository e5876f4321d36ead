import t from "tap";
import { createAddressPolicy } from "../../../src/images/address-policy.ts";

// Pure checks: nothing here opens a socket.
const refusedByDefault = [
  ["127.0.0.1", "loopback"],
  ["127.255.255.254", "loopback /8"],
  ["10.0.0.1", "RFC1918 10/8"],
  ["172.16.0.1", "RFC1918 172.16/12"],
  ["172.31.255.255", "RFC1918 172.16/12 top"],
  ["192.168.1.1", "RFC1918 192.168/16"],
  ["169.254.169.254", "link-local metadata"],
  ["169.254.0.1", "link-local"],
  ["100.64.0.1", "carrier-grade NAT"],
  ["100.100.100.200", "carrier-grade NAT (Alibaba metadata)"],
  ["0.0.0.0", "unspecified"],
  ["0.1.2.3", "this network"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast SSDP"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.1", "reserved"],
  ["192.0.2.1", "TEST-NET-1"],
  ["198.18.0.1", "benchmarking"],
  ["::1", "IPv6 loopback"],
  ["::", "IPv6 unspecified"],
  ["fe80::1", "IPv6 link-local"],
  ["fc00::1", "unique-local"],
  ["fd12:3456:789a::1", "unique-local fd"],
  ["ff02::1", "IPv6 multicast"],
  ["::ffff:127.0.0.1", "IPv4-mapped loopback"],
  ["::ffff:7f00:1", "IPv4-mapped loopback, hex"],
  ["::ffff:10.0.0.1", "IPv4-mapped private"],
  ["::ffff:169.254.169.254", "IPv4-mapped metadata"],
  ["::127.0.0.1", "deprecated IPv4-compatible"],
  ["64:ff9b::a00:1", "NAT64 of 10.0.0.1"],
  ["2002:a00:1::1", "6to4 of 10.0.0.1"],
  ["2001:db8::1", "documentation"],
  ["2001::1", "Teredo"],
  ["fec0::1", "deprecated site-local"],
  ["not-an-ip", "hostname"],
  ["", "empty"],
  ["1.2.3", "short IPv4"],
] as const;

const publicAddresses = [
  "1.1.1.1",
  "8.8.8.8",
  "93.184.216.34",
  "172.32.0.1",
  "100.128.0.1",
  "2606:4700:4700::1111",
  "2a00:1450:4001:80b::200e",
  "::ffff:8.8.8.8",
];

t.test("refuses non-public addresses when nothing is allowed", async (t) => {
  const policy = createAddressPolicy([]);
  for (const [address, label] of refusedByDefault) {
    t.equal(policy.isAddressAllowed(address), false, `${label}: ${address}`);
  }
});

t.test("allows public unicast addresses", async (t) => {
  const policy = createAddressPolicy();
  for (const address of publicAddresses) t.equal(policy.isAddressAllowed(address), true, address);
});

t.test("allow entries lift the refusal for exactly what they cover", async (t) => {
  const policy = createAddressPolicy(["127.0.0.1", "10.1.0.0/16", "fd00::/8", " ::1 "]);
  const table: [string, boolean][] = [
    ["127.0.0.1", true],
    ["::ffff:127.0.0.1", true],
    ["127.0.0.2", false],
    ["10.1.200.3", true],
    ["10.2.0.1", false],
    ["::ffff:10.1.0.9", true],
    ["fd00::42", true],
    ["fc00::1", false],
    ["::1", true],
    ["169.254.169.254", false],
    ["192.168.0.1", false],
  ];
  for (const [address, allowed] of table) {
    t.equal(policy.isAddressAllowed(address), allowed, address);
  }
});

t.test("an IPv4-mapped allow entry also covers the IPv4 spelling", async (t) => {
  const policy = createAddressPolicy(["::ffff:192.168.7.7"]);
  t.equal(policy.isAddressAllowed("192.168.7.7"), true);
  t.equal(policy.isAddressAllowed("192.168.7.8"), false);
});

t.test("refuses metadata hostnames unless named in allow", async (t) => {
  const strict = createAddressPolicy();
  for (const name of ["metadata.google.internal", "METADATA.google.internal.", "metadata.goog"]) {
    t.equal(strict.isHostnameRefused(name), true, name);
  }
  t.equal(strict.isHostnameRefused("images.example.com"), false);
  const lenient = createAddressPolicy(["metadata.google.internal"]);
  t.equal(lenient.isHostnameRefused("metadata.google.internal"), false);
  t.equal(lenient.isHostnameRefused("metadata.goog"), true);
});

t.test("rejects malformed allow entries at construction", async (t) => {
  for (const entry of ["10.0.0.0/33", "::1/129", "10.0.0.0/8/8", "10.0.0.0/x", "not a host", ""]) {
    t.throws(() => createAddressPolicy([entry]), TypeError, JSON.stringify(entry));
  }
});
