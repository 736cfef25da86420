import { describe, expect, it } from "vitest";
import { compareText, compileFilter, matchesFilter } from "../../src/memory/metadata-filter";
import { VectorIndexError, type VectorMetadata } from "../../src/memory/vector-index/vector-index";

const memory: VectorMetadata = { topic: "ltv", confidence: 0.93, count: 3, verified: true, reviewer: null, version: "10" };

describe("metadata filter", () => {
  it("treats a plain value as $eq, compared by JSON type", () => {
    expect(matchesFilter(memory, { topic: "ltv" })).toBe(true);
    expect(matchesFilter(memory, { topic: "churn" })).toBe(false);
    expect(matchesFilter(memory, { count: 3 })).toBe(true);
    expect(matchesFilter(memory, { count: "3" })).toBe(false);
    expect(matchesFilter(memory, { version: 10 })).toBe(false);
    expect(matchesFilter(memory, { verified: true })).toBe(true);
    expect(matchesFilter(memory, { verified: 1 })).toBe(false);
    expect(matchesFilter(memory, { reviewer: null })).toBe(true);
    expect(matchesFilter(memory, { topic: null })).toBe(false);
  });

  it("matches $eq and $ne, where a missing field is not equal to anything", () => {
    expect(matchesFilter(memory, { topic: { $eq: "ltv" } })).toBe(true);
    expect(matchesFilter(memory, { topic: { $ne: "ltv" } })).toBe(false);
    expect(matchesFilter(memory, { topic: { $ne: "churn" } })).toBe(true);
    expect(matchesFilter(memory, { count: { $ne: "3" } })).toBe(true);
    expect(matchesFilter(memory, { missing: { $eq: "x" } })).toBe(false);
    expect(matchesFilter(memory, { missing: { $ne: "x" } })).toBe(true);
    expect(matchesFilter(memory, { missing: { $eq: null } })).toBe(false);
  });

  it("matches $in and $nin by JSON type, and a missing field only with $nin", () => {
    expect(matchesFilter(memory, { topic: { $in: ["churn", "ltv"] } })).toBe(true);
    expect(matchesFilter(memory, { count: { $in: ["3", 4] } })).toBe(false);
    expect(matchesFilter(memory, { count: { $nin: ["3", 4] } })).toBe(true);
    expect(matchesFilter(memory, { topic: { $nin: ["ltv"] } })).toBe(false);
    expect(matchesFilter(memory, { missing: { $in: ["x"] } })).toBe(false);
    expect(matchesFilter(memory, { missing: { $nin: ["x"] } })).toBe(true);
    expect(matchesFilter(memory, { reviewer: { $in: [null] } })).toBe(true);
  });

  it("compares numbers numerically with $gt $gte $lt $lte, never a number with a string", () => {
    expect(matchesFilter({ confidence: 0.93 }, { confidence: { $gte: 0.9 } })).toBe(true);
    expect(matchesFilter({ confidence: "0.95" }, { confidence: { $gte: 0.9 } })).toBe(false);
    expect(matchesFilter({ confidence: 0.9 }, { confidence: { $gt: 0.9 } })).toBe(false);
    expect(matchesFilter({ confidence: 0.9 }, { confidence: { $gte: 0.9 } })).toBe(true);
    expect(matchesFilter({ n: 10 }, { n: { $lt: 9 } })).toBe(false);
    expect(matchesFilter({ n: 10 }, { n: { $lte: 10 } })).toBe(true);
    expect(matchesFilter({ n: 10 }, { n: { $gt: "9" } })).toBe(false);
    expect(matchesFilter({ flag: true }, { flag: { $gt: 0 } })).toBe(false);
    expect(matchesFilter({ empty: null }, { empty: { $lt: 1 } })).toBe(false);
    expect(matchesFilter({}, { n: { $lt: 1 } })).toBe(false);
  });

  it("compares strings as text in code point order", () => {
    expect(matchesFilter({ day: "2024-05-01" }, { day: { $gte: "2024-04-30" } })).toBe(true);
    expect(matchesFilter({ version: "10" }, { version: { $gt: "9" } })).toBe(false);
    expect(matchesFilter({ name: "b" }, { name: { $lt: "ba" } })).toBe(true);
    // U+FF5E sorts before U+1F600 by code point, though after its UTF-16 surrogates.
    expect(compareText("\uFF5E", "\u{1F600}")).toBeLessThan(0);
    expect(compareText("abc", "abc")).toBe(0);
  });

  it("requires every field, and every operator on a field, to match", () => {
    expect(matchesFilter(memory, { topic: "ltv", confidence: { $gte: 0.9 } })).toBe(true);
    expect(matchesFilter(memory, { topic: "ltv", confidence: { $gte: 0.95 } })).toBe(false);
    expect(matchesFilter(memory, { confidence: { $gt: 0.9, $lt: 0.95 } })).toBe(true);
    expect(matchesFilter(memory, { confidence: { $gt: 0.9, $lt: 0.92 } })).toBe(false);
    expect(matchesFilter(memory, { missing: { $ne: "x", $nin: ["y"] } })).toBe(true);
    expect(matchesFilter(memory, { missing: { $ne: "x", $gt: 1 } })).toBe(false);
  });

  it("matches everything with no filter or an empty one, and a record without metadata only by absence", () => {
    expect(matchesFilter(memory, undefined)).toBe(true);
    expect(matchesFilter(undefined, {})).toBe(true);
    expect(matchesFilter(undefined, { topic: "ltv" })).toBe(false);
    expect(matchesFilter(undefined, { topic: { $ne: "ltv" } })).toBe(true);
  });

  it("looks only at the metadata's own fields", () => {
    expect(matchesFilter({}, { constructor: { $ne: null } })).toBe(true);
    expect(matchesFilter({}, { toString: { $in: ["x"] } })).toBe(false);
  });

  it("refuses operators and operands the contract does not have", () => {
    expect(() => compileFilter({ topic: { $regex: "l.*" } as never })).toThrow(VectorIndexError);
    expect(() => compileFilter({ topic: { $in: "ltv" } })).toThrow(/list/);
    expect(() => compileFilter({ topic: { $eq: ["ltv"] } })).toThrow(VectorIndexError);
    expect(() => compileFilter({ n: { $gt: true } })).toThrow(/number or a string/);
    expect(() => compileFilter({ n: {} })).toThrow(VectorIndexError);
    expect(() => compileFilter({ n: [1] as never })).toThrow(VectorIndexError);
  });
});
