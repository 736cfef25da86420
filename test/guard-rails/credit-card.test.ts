import { describe, expect, it } from "vitest";
import { cardBrand, luhnValid } from "../../src/guard-rails/pii/credit-card";
import { found } from "./helpers";

const cards = (text: string) => found("credit_card", text);

describe("credit card detector", () => {
  it("computes Luhn as published (79927398713 is the textbook valid number)", () => {
    expect(luhnValid("79927398713")).toBe(true);
    for (const wrong of ["79927398710", "79927398711", "79927398712", "79927398714", "79927398719"]) expect(luhnValid(wrong), wrong).toBe(false);
    expect(luhnValid("0")).toBe(true);
    expect(luhnValid("18")).toBe(true);
  });

  it("knows every brand's issuer prefixes and lengths", () => {
    const brands: [string, string | undefined][] = [
      ["4111111111111111", "visa"],
      ["4123456789012345677", "visa"],
      ["4222222222222", undefined], // 13-digit Visa: retired, and EAN-13 barcodes look the same
      ["5555555555554444", "mastercard"],
      ["2221000000000009", "mastercard"],
      ["2720123456789010", "mastercard"],
      ["2220990000000000", undefined],
      ["2721000000000000", undefined],
      ["378282246310005", "amex"],
      ["3782822463100050", undefined], // Amex is 15 digits
      ["6011111111111117", "discover"],
      ["6445644564456445", "discover"],
      ["6500000000000002", "discover"],
      ["6221260000000000", "discover"],
      ["3530111333300000", "jcb"],
      ["3589000000000003", "jcb"],
      ["3527000000000000", undefined],
      ["30569309025904", "diners"],
      ["36227206271667", "diners"],
      ["38520000023237", "diners"],
      ["6200000000000005", "unionpay"],
      ["6759649826438453", "maestro"],
      ["5018000000000009", "maestro"],
      ["6304123456782", "maestro"],
      ["9111111111111117", undefined],
    ];
    for (const [digits, brand] of brands) expect(cardBrand(digits), digits).toBe(brand);
  });

  it("finds test numbers of every brand, plain and grouped as printed", () => {
    for (const n of [
      "4111 1111 1111 1111",
      "4111-1111-1111-1111",
      "4111111111111111",
      "5555 5555 5555 4444",
      "2223 0031 2200 3222",
      "3782 822463 10005",
      "3782-822463-10005",
      "6011 1111 1111 1117",
      "3530 1113 3330 0000",
      "3056 930902 5904",
      "6200 0000 0000 0005",
      "6759 6498 2643 8453",
      "6762 0000 0000 0000 009",
    ])
      expect(cards(`card ${n} on file`), n).toEqual([n]);
  });

  it("refuses a wrong check digit, a wrong length, an unknown prefix", () => {
    for (const text of ["4111 1111 1111 1112", "3782 822463 10006", "4222222222222", "3714 4963 5398 4310", "9111 1111 1111 1117", "35280000000007"]) expect(cards(text), text).toEqual([]);
  });

  it("wants one kind of separator and groups as cards print them", () => {
    for (const text of ["4111-1111 1111-1111", "4111 11111 111 1111", "41 1111 1111 1111 11", "4111.1111.1111.1111", "4111  1111  1111  1111"]) expect(cards(text), text).toEqual([]);
  });

  it("reads nothing inside longer numbers, ids, decimals or words", () => {
    for (const text of ["41111111111111111111", "ACCT4111111111111111", "4111111111111111x", "0.4111111111111111", "4111111111111111.5", "1 4111 1111 1111 1111", "ORD-4111111111111111", "4111111111111111-A"])
      expect(cards(text), text).toEqual([]);
  });

  it("drops a trailing group that cannot belong to the card (an expiry written after it)", () => {
    expect(cards("4111 1111 1111 1111 1225")).toEqual(["4111 1111 1111 1111"]);
    expect(cards("4111 1111 1111 1111 12/25")).toEqual(["4111 1111 1111 1111"]);
    // Run together, nothing says where the card ends.
    expect(cards("41111111111111111225")).toEqual([]);
  });
});
