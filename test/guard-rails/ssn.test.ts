import { describe, expect, it } from "vitest";
import { ssnIssuable } from "../../src/guard-rails/pii/ssn";
import { found } from "./helpers";

const ssns = (text: string, label?: string) => found("ssn", text, { label });

describe("SSN detector", () => {
  it("excludes the ranges the SSA never issues, and the two numbers it voided", () => {
    for (const n of ["001010001", "665123456", "667123456", "899999999", "123456789", "078051121", "219099998"]) expect(ssnIssuable(n), n).toBe(true);
    for (const n of ["000123456", "666123456", "900123456", "999999999", "123004567", "123450000", "078051120", "219099999", "12345678", "12345678a"]) expect(ssnIssuable(n), n).toBe(false);
  });

  it("finds area-group-serial written with dashes or spaces", () => {
    expect(ssns("SSN 123-45-6789 on file")).toEqual(["123-45-6789"]);
    expect(ssns("his number is 123 45 6789.")).toEqual(["123 45 6789"]);
    expect(ssns("111-22-3333 444-55-6666, 777-88-9999")).toEqual(["111-22-3333", "444-55-6666", "777-88-9999"]);
  });

  it("refuses invalid ranges in either form", () => {
    for (const text of ["000-12-3456", "666-12-3456", "900-12-3456", "987-65-4321", "123-00-4567", "123-45-0000", "078-05-1120", "666 12 3456"]) expect(ssns(text), text).toEqual([]);
  });

  it("reads nine bare digits only when labelled in the text or by the key", () => {
    expect(ssns("123456789")).toEqual([]);
    expect(ssns("ref 123456789")).toEqual([]);
    for (const text of ["SSN 123456789", "ssn: 123456789", "SS# 123456789", "S.S.N. 123456789", "social security number 123456789", "Social-Security no. 123456789"])
      expect(ssns(text), text).toEqual(["123456789"]);
    expect(ssns("SSN was given, order 123456789")).toEqual([]);
    for (const label of ["ssn", "SSN", "applicantSSN", "social_security_number", "socialSecurityNo"]) expect(ssns("123456789", label), label).toEqual(["123456789"]);
    for (const label of ["id", "zip", "routing_number", "lessons"]) expect(ssns("123456789", label), label).toEqual([]);
  });

  it("reads nothing inside longer numbers, words, dates or mixed separators", () => {
    for (const text of ["1123-45-6789", "123-45-67890", "123-45-6789-01", "ABC-123-45-6789", "x123-45-6789", "123-45 6789", "123/45/6789", "12 123 45 6789", "123 45 6789 10", "0.123-45-6789"])
      expect(ssns(text), text).toEqual([]);
  });
});
