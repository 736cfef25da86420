import type { Context } from "hono";
import { database } from "../db/client";
import type { AppEnv } from "../http/context";
import { notFound } from "../http/errors";
import { agentExists } from "./agents";

/**
 * 404 unless `agentId` is a registered agent; routes call it after authorising, so it reveals nothing to
 * the unauthorised. An agent acting on its own data with its key was just found by authentication; the
 * admin token's principal ("admin") is no registered agent, so it has no data of its own.
 */
export async function requireAgent(c: Context<AppEnv>, agentId: string): Promise<void> {
  const principal = c.get("principal");
  if (principal.keyId !== undefined && principal.agentId === agentId) return;
  if (!(await agentExists(database(c.env), agentId))) throw notFound("Agent", agentId);
}
