import type { Tool } from "../tool";
import { BRANCH_TOOLS } from "./branch-tools";
import { COT_TOOLS } from "./cot-tools";
import { EVENT_TOOLS } from "./event-tools";
import { INBOX_TOOLS } from "./inbox-tools";
import { MEMORY_TOOLS } from "./memory-tools";
import { RUN_TOOLS } from "./run-tools";
import { SQL_TOOLS } from "./sql-tools";
import { STATE_TOOLS } from "./state-tools";
import { TRIGGER_TOOLS } from "./trigger-tools";

/**
 * Every tool of the MCP endpoint: HatiData's names first (so its agents work unchanged), then Switchyard's
 * own. Adding a tool is one `defineTool` entry in its domain's file.
 */
export const TOOLS: readonly Tool[] = [...MEMORY_TOOLS, ...STATE_TOOLS, ...COT_TOOLS, ...TRIGGER_TOOLS, ...SQL_TOOLS, ...BRANCH_TOOLS, ...INBOX_TOOLS, ...RUN_TOOLS, ...EVENT_TOOLS];
