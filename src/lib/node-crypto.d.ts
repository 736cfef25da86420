// The one node:crypto function Switchyard uses (workerd provides it under nodejs_compat). Declared here
// rather than adding @types/node to the Worker's types, which would bring Node's globals with it.
declare module "node:crypto" {
  interface Hash {
    update(data: string): Hash;
    digest(encoding: "hex"): string;
  }
  export function createHash(algorithm: "sha256"): Hash;
}
