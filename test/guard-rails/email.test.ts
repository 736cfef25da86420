import { describe, expect, it } from "vitest";
import { findPii } from "../../src/guard-rails/pii";
import { found } from "./helpers";

const emails = (text: string) => found("email", text);

describe("email detector", () => {
  it("finds addresses as people write them, with exact offsets", () => {
    const text = "Write to Ann.O'Neil+billing@mail.example.co.uk, thanks.";
    const [finding] = findPii(text, { detect: ["email"] });
    expect(finding).toEqual({ kind: "email", start: 9, end: 46, text: "Ann.O'Neil+billing@mail.example.co.uk" });
    expect(text.slice(finding!.start, finding!.end)).toBe(finding!.text);
  });

  it("leaves the sentence's punctuation and quotes outside the address", () => {
    expect(emails("(bob@example.com).")).toEqual(["bob@example.com"]);
    expect(emails("'carol@example.org'")).toEqual(["carol@example.org"]);
    expect(emails("<dave@example.net>;")).toEqual(["dave@example.net"]);
    expect(emails("...erin@example.com")).toEqual(["erin@example.com"]);
    expect(emails("mailto:frank@example.com?subject=hi")).toEqual(["frank@example.com"]);
  });

  it("reads letters of any script, and offsets count UTF-16 units", () => {
    const text = "😀 josé@exämple.de";
    const [finding] = findPii(text, { detect: ["email"] });
    expect(finding?.text).toBe("josé@exämple.de");
    expect(text.slice(finding!.start, finding!.end)).toBe("josé@exämple.de");
    expect(emails("用户@例子.广告")).toEqual(["用户@例子.广告"]);
    expect(emails("admin@xn--bcher-kva.ch")).toEqual(["admin@xn--bcher-kva.ch"]);
  });

  it("needs a dot and a top-level domain of letters", () => {
    for (const text of ["user@localhost", "root@db", "pkg@1.2.3", "lodash@^4.17.21", "a@b.c", "x@host.123", "npm i @scope/pkg@2.0.0"]) expect(emails(text), text).toEqual([]);
  });

  it("does not read file names, reserved domains or SSH remotes as addresses", () => {
    for (const text of ["icon@2x.png", "hero@1.5x.webp", "bundle@3x.js", "x@mail.test", "x@host.localhost", "x@site.example", "git@github.com:acme/repo.git", "deploy@example.com:/srv/www"])
      expect(emails(text), text).toEqual([]);
    // A colon that ends a sentence is not a path.
    expect(emails("reach me at gina@example.com: any time")).toEqual(["gina@example.com"]);
  });

  it("refuses malformed local parts and labels", () => {
    for (const text of ["john..doe@example.com", "john.@example.com", "x@-example.com", "x@example-.com", "x@example..com", "x@exa_mple.com"]) expect(emails(text), text).toEqual([]);
  });

  it("keeps to the RFC's lengths: a 65-character local part or a 64-character label is not an address", () => {
    expect(emails(`${"a".repeat(64)}@example.com`)).toHaveLength(1);
    expect(emails(`${"a".repeat(65)}@example.com`)).toEqual([]);
    expect(emails(`x@${"b".repeat(63)}.com`)).toHaveLength(1);
    expect(emails(`x@${"b".repeat(64)}.com`)).toEqual([]);
  });

  it("finds several addresses in one string, and none where two at signs meet", () => {
    expect(emails("cc: a@example.com,b@example.org; c@example.net")).toEqual(["a@example.com", "b@example.org", "c@example.net"]);
    expect(emails("a@b@example.com")).toEqual(["b@example.com"]);
  });
});
