import { describe, expect, it } from "vitest";
import { nonPublicReason, parseIpv6 } from "../../src/triggers/webhooks/ip-ranges";
import { signWebhook } from "../../src/triggers/webhooks/signing";
import { webhookUrlRefusal } from "../../src/triggers/webhooks/url-guard";
import { backoffSeconds } from "../../src/triggers/webhooks/attempt";
import { ResolveError } from "../../src/triggers/webhooks/resolver";

const publicOnly = { allowPrivate: false, resolver: { resolve: async () => ["93.184.216.34"] } };

describe("webhook address rules", () => {
  it("reads every IPv6 spelling, with :: and a dotted IPv4 tail", () => {
    expect(parseIpv6("::1")).toBe(1n);
    expect(parseIpv6("::ffff:127.0.0.1")).toBe(parseIpv6("::ffff:7f00:1"));
    expect(parseIpv6("2001:db8::8a2e:370:7334")).toBe(0x20010db80000000000008a2e03707334n);
    expect(parseIpv6("1:2:3:4:5:6:7:8:9")).toBeUndefined();
    expect(parseIpv6("1::2::3")).toBeUndefined();
    expect(parseIpv6("fe80::1%eth0")).toBe(parseIpv6("fe80::1"));
  });

  it("knows the non-public ranges and lets public addresses through", () => {
    for (const ip of ["127.0.0.1", "10.255.0.1", "172.31.255.255", "192.168.0.1", "100.127.255.255", "169.254.169.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fc00::1", "fdff::1", "fe80::1", "ff02::1", "::ffff:8.8.8.8", "64:ff9b::808:808"])
      expect(nonPublicReason(ip), ip).toBeDefined();
    for (const ip of ["8.8.8.8", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111"]) expect(nonPublicReason(ip), ip).toBeUndefined();
  });

  it("normalises decimal, hex and octal IPv4 hosts before judging them", async () => {
    for (const url of ["http://2130706433/", "http://0x7f000001/", "http://017700000001/", "http://127.1/", "http://0xa.0.0.1/", "http://3232235777/"])
      expect(await webhookUrlRefusal(url, publicOnly), url).toMatch(/loopback|private/);
  });

  it("lets everything http(s) through with WEBHOOK_ALLOW_PRIVATE, and nothing else", async () => {
    expect(await webhookUrlRefusal("http://127.0.0.1:8080/x", { allowPrivate: true })).toBeUndefined();
    expect(await webhookUrlRefusal("gopher://127.0.0.1/", { allowPrivate: true })).toMatch(/http or https/);
  });

  it("refuses a name that cannot be resolved, rather than guessing", async () => {
    const failing = { allowPrivate: false, resolver: { resolve: async (): Promise<string[]> => Promise.reject(new ResolveError("no network")) } };
    expect(await webhookUrlRefusal("https://hooks.example.com/", failing)).toMatch(/could not be checked/);
    expect(await webhookUrlRefusal("https://hooks.example.com/", { allowPrivate: false, resolver: { resolve: async () => [] } })).toMatch(/no addresses/);
  });
});

describe("webhook signatures and retries", () => {
  it("signs timestamp + '.' + body with HMAC-SHA256 (a known vector)", async () => {
    // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(await signWebhook("secret", "1700000000", '{"a":1}')).toBe("sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
  });

  it("doubles the delay per attempt from the configured base", () => {
    const policy = { maxAttempts: 6, baseDelaySeconds: 30 };
    expect([1, 2, 3, 4, 5].map((a) => backoffSeconds(policy, a))).toEqual([30, 60, 120, 240, 480]);
    expect(backoffSeconds(policy, 40)).toBe(12 * 3600);
  });
});
