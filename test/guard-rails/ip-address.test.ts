import { describe, expect, it } from "vitest";
import { found } from "./helpers";

const ips = (text: string) => found("ip_address", text);

describe("IP address detector", () => {
  it("finds IPv4 addresses, private and public, at the edges of the range", () => {
    for (const ip of ["0.0.0.0", "1.2.3.4", "8.8.8.8", "10.0.0.1", "127.0.0.1", "192.168.1.1", "203.0.113.42", "255.255.255.255", "010.001.002.003"]) expect(ips(`from ${ip}.`), ip).toEqual([ip]);
  });

  it("reads an IPv4 address next to a port, a prefix length, a range or brackets", () => {
    expect(ips("http://10.0.0.1:8080/health")).toEqual(["10.0.0.1"]);
    expect(ips("allow 10.0.0.0/8")).toEqual(["10.0.0.0"]);
    expect(ips("range 10.0.0.1-10.0.0.255")).toEqual(["10.0.0.1", "10.0.0.255"]);
    expect(ips("[192.0.2.33]")).toEqual(["192.0.2.33"]);
    expect(ips("X-Forwarded-For: 198.51.100.7, 203.0.113.9")).toEqual(["198.51.100.7", "203.0.113.9"]);
  });

  it("does not read dotted versions, section numbers or out-of-range parts as addresses", () => {
    for (const text of [
      "1.2.3",
      "v1.2.3.4",
      "V1.2.3.4",
      "1.2.3.4-beta",
      "1.2.3.4-rc.1",
      "1.2.3.4.5",
      "OID 1.3.6.1.4.1",
      "256.1.1.1",
      "1.2.3.256",
      "Chrome/120.0.0.0",
      "version 1.2.3.4",
      "release: 2.0.0.1",
      "see section 3.2.1.4",
      "§ 1.2.3.4",
      "node-1.2.3.4",
      "1.2.3.4a",
      "Windows 10.0.19041.1",
    ])
      expect(ips(text), text).toEqual([]);
  });

  it("finds IPv6 addresses in every spelling the shared parser reads", () => {
    for (const ip of [
      "2001:db8::8a2e:370:7334",
      "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
      "2001:DB8:0:0:8:800:200C:417A",
      "::1",
      "2001:db8::",
      "fe80::1ff:fe23:4567:890a",
      "::ffff:192.0.2.1",
      "64:ff9b::192.0.2.33",
    ])
      expect(ips(`addr ${ip} seen`), ip).toEqual([ip]);
  });

  it("reports an IPv4-tailed IPv6 address once, whole, and leaves zones and sentence ends outside", () => {
    expect(ips("::ffff:10.0.0.5")).toEqual(["::ffff:10.0.0.5"]);
    expect(ips("fe80::1%eth0")).toEqual(["fe80::1"]);
    expect(ips("from 2001:db8::1.")).toEqual(["2001:db8::1"]);
    expect(ips("https://[2001:db8::1]:443/")).toEqual(["2001:db8::1"]);
  });

  it("does not read times, MAC addresses, ratios or code as IPv6", () => {
    for (const text of ["10:30:00", "12:30:45.123", "00:1a:2b:3c:4d:5e", "ratio 1:2:3", "std::vector<int>", "Db::Add", "x :: Int", "::", "2001:db8:::1", "1:2:3:4:5:6:7:8:9", "fe80::g1", "12:34:56:78"])
      expect(ips(text), text).toEqual([]);
  });
});
