import type { Pattern } from "../../../src/workflows/definition/types";
import { EventDriven } from "./event-driven";
import { Hierarchical } from "./hierarchical";
import { MessagePassing } from "./message-passing";
import type { PatternLogic } from "./pattern";
import { SharedState } from "./shared-state";

/** The rules of one pattern of a definition's `coordination` list. */
export function patternLogic(pattern: Pattern, index: number): PatternLogic {
  switch (pattern.pattern) {
    case "event-driven":
      return new EventDriven(pattern, index);
    case "message-passing":
      return new MessagePassing(pattern, index);
    case "shared-state":
      return new SharedState(pattern, index);
    case "hierarchical":
      return new Hierarchical(pattern, index);
  }
}
