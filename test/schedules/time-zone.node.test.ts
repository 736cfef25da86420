import { describe, expect, it } from "vitest";
import { TimeZone, formatOffset, localIso, wallTime } from "../../src/schedules/time-zone";
import { local } from "./zone-reference";

const wall = (text: string) => wallTime(Date.parse(`${text}:00Z`));

describe("TimeZone.resolve", () => {
  it("maps a local time that exists once to its instant", () => {
    const ny = TimeZone.of("America/New_York");
    expect(ny.resolve(wall("2026-07-04T12:00"))).toEqual({ instant: local("2026-07-04T12:00", "-04:00").getTime(), resolution: "unique" });
    expect(ny.resolve(wall("2026-01-15T12:00"))).toEqual({ instant: local("2026-01-15T12:00", "-05:00").getTime(), resolution: "unique" });
  });

  it("maps a local time that occurs twice to its first occurrence", () => {
    expect(TimeZone.of("America/New_York").resolve(wall("2026-11-01T01:30"))).toEqual({ instant: Date.parse("2026-11-01T05:30:00Z"), resolution: "repeated" });
    expect(TimeZone.of("Australia/Lord_Howe").resolve(wall("2026-04-05T01:45"))).toEqual({ instant: Date.parse("2026-04-04T14:45:00Z"), resolution: "repeated" });
  });

  it("maps a local time that does not exist to the instant the clocks jumped", () => {
    for (const time of ["02:00", "02:30", "02:59"]) {
      expect(TimeZone.of("America/New_York").resolve(wall(`2026-03-08T${time}`))).toEqual({ instant: Date.parse("2026-03-08T07:00:00Z"), resolution: "skipped" });
    }
    expect(TimeZone.of("Australia/Lord_Howe").resolve(wall("2026-10-04T02:10"))).toEqual({ instant: Date.parse("2026-10-03T15:30:00Z"), resolution: "skipped" });
    // The gap's end exists, once.
    expect(TimeZone.of("America/New_York").resolve(wall("2026-03-08T03:00"))).toEqual({ instant: Date.parse("2026-03-08T07:00:00Z"), resolution: "unique" });
  });

  it("never maps a later local time to an earlier instant, minute by minute through both changes", () => {
    const ny = TimeZone.of("America/New_York");
    for (const day of ["2026-03-08", "2026-11-01"]) {
      let previous = -Infinity;
      for (let m = 0; m < 24 * 60; m++) {
        const { instant } = ny.resolve(wallTime(Date.parse(`${day}T00:00:00Z`) + m * 60_000));
        expect(instant).toBeGreaterThanOrEqual(previous);
        previous = instant;
      }
    }
  });
});

describe("TimeZone readings", () => {
  it("gives offsets, abbreviations and local ISO times", () => {
    const ny = TimeZone.of("America/New_York");
    expect(ny.offsetAt(Date.parse("2026-07-01T00:00:00Z"))).toBe(-4 * 3600_000);
    expect(ny.abbreviationAt(Date.parse("2026-07-01T00:00:00Z"))).toBe("EDT");
    expect(ny.abbreviationAt(Date.parse("2026-01-01T00:00:00Z"))).toBe("EST");
    expect(localIso(ny, Date.parse("2026-11-01T06:30:00Z"))).toBe("2026-11-01T01:30:00-05:00");
    expect(localIso(TimeZone.of("Asia/Kathmandu"), Date.parse("2026-01-01T00:00:00Z"))).toBe("2026-01-01T05:45:00+05:45");
    expect(formatOffset(-(9 * 60 + 30) * 60_000)).toBe("-09:30");
    expect(localIso(TimeZone.of("UTC"), Date.parse("2026-01-01T00:00:00Z"))).toBe("2026-01-01T00:00:00+00:00");
  });
});
