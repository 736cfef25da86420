import type { JWTPayload } from "jose";

/**
 * Why a POST to a hook was refused, for its 401 and its audit row:
 * - `unauthorized`: the caller's credentials are missing or wrong;
 * - `misconfigured`: the hook cannot check anyone (its Worker secret is not set, or too short), which
 *   the workflow's owner must fix, not the caller;
 * - `unavailable`: the hook's key set could not be fetched, so no token can be checked right now.
 */
export type HookAuthFailureKind = "unauthorized" | "misconfigured" | "unavailable";

export interface HookAuthFailure {
  ok: false;
  kind: HookAuthFailureKind;
  reason: string;
}

export type HookAuthSuccess = { ok: true; method: "api_key" } | { ok: true; method: "jwt"; claims: JWTPayload; key_id: string | null };

export type HookAuthResult = HookAuthSuccess | HookAuthFailure;

export const refuse = (reason: string, kind: HookAuthFailureKind = "unauthorized"): HookAuthFailure => ({ ok: false, kind, reason });
