import { isPossiblePhoneNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { DEFAULT_PHONE_REGIONS, findPii, isPhoneRegion } from "../../src/guard-rails/pii";
import { found } from "./helpers";

const phones = (text: string, options: Parameters<typeof found>[2] = {}) => found("phone", text, options);

describe("phone detector", () => {
  it("reads international numbers whatever the regions", () => {
    for (const n of ["+44 20 7946 0958", "+1-415-555-0132", "+14155550132", "+33 1 42 68 53 00", "+81 3-3224-9156", "+49 30 901820", "+44 (0) 20 7946 0958", "(+44) 20 7946 0958"])
      expect(phones(`call ${n} today`, { phoneRegions: ["US"] }), n).toEqual([n]);
    expect(phones("from Europe dial 0044 20 7946 0958 or 00 44 20 7946 0958")).toEqual(["0044 20 7946 0958", "00 44 20 7946 0958"]);
    expect(phones("from the US dial 011 44 20 7946 0958")).toEqual(["011 44 20 7946 0958"]);
  });

  it("reads national numbers for the default regions, US and GB", () => {
    expect(DEFAULT_PHONE_REGIONS).toEqual(["US", "GB"]);
    for (const n of ["(415) 555-0132", "415-555-0132", "415.555.0132", "415 555 0132", "1-800-555-0199", "(212)555-0199", "020 7946 0958", "0117 496 0123", "07911 123456", "(020) 7946 0958"])
      expect(phones(`number: ${n}.`), n).toEqual([n]);
  });

  it("reads national formats only of the regions it is given", () => {
    expect(phones("01 42 68 53 00")).toEqual([]);
    expect(phones("01 42 68 53 00", { phoneRegions: ["FR"] })).toEqual(["01 42 68 53 00"]);
    expect(phones("020 7946 0958", { phoneRegions: ["US"] })).toEqual([]);
    expect(phones("(415) 555-0132", { phoneRegions: ["GB"] })).toEqual([]);
    expect(isPhoneRegion("FR")).toBe(true);
    expect(isPhoneRegion("XX")).toBe(false);
  });

  it("validates with isValid, not isPossible: a possible length in an unassigned range is not a number", () => {
    // Exchange codes never start with 0 or 1 in North America; the UK has no 020 0xxx numbers in use.
    for (const n of ["(415) 055-0132", "+1 415 155 0132", "+49 123 918273"]) {
      expect(isPossiblePhoneNumber(n, "US"), n).toBe(true);
      expect(phones(n), n).toEqual([]);
    }
  });

  it("needs a national number written the way its region writes it (with the UK's leading 0)", () => {
    expect(phones("1700000000", { label: "phone" })).toEqual([]);
    expect(phones("1174960123", { label: "phone" })).toEqual([]);
    expect(phones("01174960123", { label: "phone" })).toEqual(["01174960123"]);
  });

  it("reads a bare run of digits only when labelled by a word before it or by its key", () => {
    expect(phones("order 4155550132 shipped")).toEqual([]);
    expect(phones("call me at 4155550132")).toEqual(["4155550132"]);
    expect(phones("Tel.: 4155550132")).toEqual(["4155550132"]);
    expect(phones("4155550132", { label: "mobileNumber" })).toEqual(["4155550132"]);
    expect(phones("4155550132", { label: "contact_phone" })).toEqual(["4155550132"]);
    expect(phones("4155550132", { label: "order_id" })).toEqual([]);
    expect(phones("4155550132", { label: "telemetry" })).toEqual([]);
  });

  it("is not fooled by ids, dates, timestamps, addresses and book numbers", () => {
    for (const text of [
      "ORD-4155550132",
      "#4155550132",
      "$4155550132",
      "2024-03-15 10:30:00",
      "15.03.2024 14:30",
      "1712345678901",
      "24.212.35.160",
      "ISBN 0-306-40615-2",
      "978-3-16-148410-0",
      "build 2024.03.15.1234",
      "4155550132.50",
      "abc4155550132",
    ])
      expect(phones(text), text).toEqual([]);
  });

  it("wants North American numbers grouped 3-3-4: an SSN's or a serial's shape is not a phone number", () => {
    expect(phones("512-34-8271")).toEqual([]);
    expect(phones("51-2348-2716")).toEqual([]);
    expect(phones("512-348-2716")).toEqual(["512-348-2716"]);
    expect(phones("512 3482716")).toEqual(["512 3482716"]);
  });

  it("skips placeholders that fall in assigned ranges", () => {
    for (const text of ["(212) 555-5555", "020 0000 0000", "020 1234 5678", "+44 20 1234 5678", "+86 10 1234 5678"]) expect(phones(text), text).toEqual([]);
  });

  it("reads no-break and thin spaces as spaces, and leaves an extension outside", () => {
    expect(phones("+44\u00a020\u00a07946\u00a00958")).toEqual(["+44\u00a020\u00a07946\u00a00958"]);
    expect(phones("415\u2009555\u20090132")).toEqual(["415\u2009555\u20090132"]);
    expect(phones("desk 415-555-0132 x204, ext. 5")).toEqual(["415-555-0132"]);
  });

  it("finds numbers side by side, separated by punctuation", () => {
    expect(phones("(212) 555-0100, (212) 555-0101; +44 20 7946 0958")).toEqual(["(212) 555-0100", "(212) 555-0101", "+44 20 7946 0958"]);
    const [first] = findPii("Call (212) 555-0100 now", { detect: ["phone"] });
    expect(first).toEqual({ kind: "phone", start: 5, end: 19, text: "(212) 555-0100" });
  });
});
