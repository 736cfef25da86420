import { type CallToolResult, McpServer } from "@modelcontextprotocol/server";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/server/validators/cf-worker";
import { ApiError, errorBody } from "../http/errors";
import { RestFailure } from "./rest-client";
import { type Tool, type ToolContext, ToolOutput } from "./tool";
import { TOOLS } from "./tools";

const INSTRUCTIONS =
  "Switchyard is the shared data layer of a team of AI agents. Memory tools store and search namespaced memories " +
  "(your own id is your private namespace; any other name is shared). State tools hand work over between agents. " +
  "Triggers notify an agent's inbox when a matching memory is stored. Branches are sandboxes of the SQL data, merged or discarded. " +
  "The chain-of-thought ledger records reasoning steps in a hash chain. Workflows run as tasks in agents' inboxes, started by start_run or by " +
  "an event publish_event sends. Every call runs with your key's permissions; " +
  "a refusal comes back as an error result naming the policy.";

// workerd refuses code generation, which the SDK's default (Ajv) validator relies on.
const validator = new CfWorkerJsonSchemaValidator();

/** The MCP server of one request: every tool, each calling the REST API as `context.caller`. */
export function buildMcpServer(context: ToolContext, tools: readonly Tool[] = TOOLS): McpServer {
  const server = new McpServer({ name: "switchyard", version: "1.0.0" }, { instructions: INSTRUCTIONS, jsonSchemaValidator: validator });
  for (const tool of tools) {
    server.registerTool(
      tool.name,
      { title: tool.title, description: tool.description, inputSchema: tool.input, annotations: tool.annotations },
      async (args: unknown) => runTool(tool, args, context),
    );
  }
  return server;
}

/** The tool's result as JSON text, and as structured content (an array wrapped in an object). */
export async function runTool(tool: Tool, args: unknown, context: ToolContext): Promise<CallToolResult> {
  try {
    const value = await tool.run(args, context);
    if (value instanceof ToolOutput) return { content: [{ type: "text", text: JSON.stringify(value.text) }], structuredContent: value.structured };
    const structured = Array.isArray(value) ? { [tool.listKey ?? "items"]: value } : value;
    return { content: [{ type: "text", text: JSON.stringify(value) }], structuredContent: structured as Record<string, unknown> };
  } catch (err) {
    return { content: [{ type: "text", text: JSON.stringify(failureBody(err)) }], isError: true };
  }
}

/** A failure as the contract's error JSON: the REST answer itself, or the error a tool raised. */
function failureBody(err: unknown): unknown {
  if (err instanceof RestFailure) return err.body;
  if (err instanceof ApiError) return errorBody(err.code, err.message, err.details);
  console.error("MCP tool failed", err);
  return errorBody("internal", "The tool failed unexpectedly; the request id identifies it in the logs.");
}
