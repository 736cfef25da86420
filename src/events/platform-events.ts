import type { Context } from "hono";
import type { AppEnv } from "../http/context";
import { sha256Hex } from "../lib/crypto";
import type { Json } from "../workflows/definition/types";
import type { CausedBy } from "./loop-guard";
import { PLATFORM_SOURCE, type PlatformEventType } from "./platform-types";
import { publishEvent } from "./publish";
import { readRoutingVersion, subscribedNow, subscribedTypes } from "./routing-cache";

// Platform events (`memory.stored`, `run.failed`, …): published only while some workflow subscribes to
// their type, so the paths they come from pay nothing otherwise. Each is named by what caused it (the
// memory, the run and its outcome…): its event id is derived from that, so publishing it twice (an
// effect retried, a sweep after a crash) is a duplicate and starts nothing twice.

export interface PlatformEvent {
  type: PlatformEventType;
  data: Json;
  /** What it is about, unique per occurrence (`memory.stored:mem_…`): its event id is derived from it. */
  key: string;
  depth?: number;
  causedBy?: CausedBy | null;
}

/** `evt_` and 26 characters of the key's hash: the same occurrence always gets the same id. */
export const platformEventId = (key: string) => `evt_${sha256Hex(`${PLATFORM_SOURCE}:${key}`).slice(0, 26)}`;

/** Publishes the event if some workflow subscribes to its type now; does nothing otherwise. */
export async function publishPlatformEvent(env: Env, event: PlatformEvent, routingVersion?: string): Promise<void> {
  const version = routingVersion ?? (await readRoutingVersion(env.DB));
  if (!(await subscribedTypes(env.DB, version)).has(event.type)) return;
  await publishEvent(
    env,
    { type: event.type, data: event.data, source: PLATFORM_SOURCE, event_id: platformEventId(event.key) },
    { publisher: "platform", publishedBy: PLATFORM_SOURCE, routingVersion: version, depth: event.depth ?? 1, causedBy: event.causedBy ?? null },
  );
}

/**
 * From a request's hot path: nothing at all while this isolate knows nobody subscribes to the type (the
 * request's authentication read the routing version with its key); otherwise published after the answer.
 * A failure is logged, never the request's: a platform event is a notification, not part of the change.
 */
export function platformEvent(c: Context<AppEnv>, event: PlatformEvent): void {
  const version = c.get("principal")?.eventRoutingVersion;
  if (subscribedNow(version, event.type) === false) return;
  c.executionCtx.waitUntil(
    publishPlatformEvent(c.env, event, version).catch((error: unknown) => {
      // Logged and dropped: the change it reports has been made and answered; only the reaction is lost.
      console.error(`platform event ${event.type} (${event.key}) could not be published`, error);
    }),
  );
}

/**
 * The guard rails' hook: a violation (its rule, path, agent…) as the `guard_rail.violated` platform event,
 * free while nothing subscribes. `key` names the violation (its audit row's id, say), so it is published once.
 */
export function guardRailViolated(c: Context<AppEnv>, key: string, violation: { [field: string]: Json }): void {
  platformEvent(c, { type: "guard_rail.violated", key: `guard_rail.violated:${key}`, data: violation });
}
