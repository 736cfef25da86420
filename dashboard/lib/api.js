// The API as the dashboard calls it: the key a person pasted, from this tab's sessionStorage (never sent
// anywhere but this deployment's API, never stored by the server), as a bearer header.

const KEY = "switchyard.api_key";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

/** The API refused the key (401): the person must sign in again, and sees no data meanwhile. */
export class SignedOut extends Error {}

/** Any other refusal, with the contract's error code and message. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The API answered ${status}.`);
    this.status = status;
    this.code = body?.error?.code ?? null;
  }
}

/** GET as the signed-in key; `key` checks a candidate before it is kept. */
export async function get(path, { signal, key = session.key } = {}) {
  if (!key) throw new SignedOut("Sign in with an API key.");
  const res = await fetch(path, { headers: { authorization: `Bearer ${key}`, accept: "application/json" }, signal });
  const body = await res.json().catch(() => null);
  if (res.status === 401) throw new SignedOut(body?.error?.message ?? "The key was refused.");
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}
