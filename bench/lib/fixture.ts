/**
 * Loads the labelled retrieval set (test/fixtures/retrieval-set.ts) whatever its exact export shape:
 * every exported array (or array inside an exported object) of `{ id, content, metadata?, question? }`
 * counts; items without a question are distractors. Questions kept apart from the memories, as
 * `{ question, id | memory_id | expected_id }`, are matched to them by id.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export type RetrievalItem = {
  id: string;
  content: string;
  metadata?: Record<string, unknown>;
  memory_type?: string;
  importance?: number;
  questions: string[];
};

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

async function importModule(path: string): Promise<Loose> {
  try {
    return (await import(pathToFileURL(path).href)) as Loose;
  } catch (direct) {
    // Node's type stripping cannot load every TypeScript file (extensionless imports, enums):
    // bundle it with esbuild (a dependency of wrangler) and import the bundle.
    const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-fixture-"));
    try {
      const esbuild = await import("esbuild");
      const outfile = join(dir, "retrieval-set.mjs");
      await esbuild.build({ entryPoints: [path], bundle: true, format: "esm", platform: "node", outfile, logLevel: "silent" });
      return (await import(pathToFileURL(outfile).href)) as Loose;
    } catch (bundled) {
      throw new Error(`could not load ${path}: ${String(direct)}; with esbuild: ${String(bundled)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

function arraysIn(module: Loose): unknown[][] {
  const arrays: unknown[][] = [];
  for (const value of Object.values(module)) {
    if (Array.isArray(value)) arrays.push(value);
    else if (isObject(value)) for (const inner of Object.values(value)) if (Array.isArray(inner)) arrays.push(inner);
  }
  return arrays;
}

const questionsOf = (o: Loose): string[] => {
  const out: string[] = [];
  if (typeof o.question === "string" && o.question.trim()) out.push(o.question);
  if (Array.isArray(o.questions)) for (const q of o.questions) if (typeof q === "string" && q.trim()) out.push(q);
  return out;
};

export async function loadRetrievalSet(path: string): Promise<RetrievalItem[]> {
  const module = await importModule(path);
  const items = new Map<string, RetrievalItem>();
  const looseQuestions: { target: string; questions: string[] }[] = [];
  for (const array of arraysIn(module)) {
    for (const entry of array) {
      if (!isObject(entry)) continue;
      const id = entry.id ?? entry.memory_id ?? entry.key;
      if (typeof entry.content === "string" && (typeof id === "string" || typeof id === "number")) {
        const key = String(id);
        const existing = items.get(key);
        const questions = questionsOf(entry);
        if (existing) {
          for (const q of questions) if (!existing.questions.includes(q)) existing.questions.push(q);
          continue;
        }
        items.set(key, {
          id: key,
          content: entry.content,
          ...(isObject(entry.metadata) ? { metadata: entry.metadata } : {}),
          ...(typeof entry.memory_type === "string" ? { memory_type: entry.memory_type } : {}),
          ...(typeof entry.importance === "number" ? { importance: entry.importance } : {}),
          questions,
        });
      } else {
        const target = entry.expected_id ?? entry.memory_id ?? entry.answer_id ?? entry.target_id ?? entry.id;
        const questions = questionsOf(entry);
        if ((typeof target === "string" || typeof target === "number") && questions.length) looseQuestions.push({ target: String(target), questions });
      }
    }
  }
  for (const { target, questions } of looseQuestions) {
    const item = items.get(target);
    if (!item) throw new Error(`${path}: a question points at '${target}', which is no memory of the set`);
    for (const q of questions) if (!item.questions.includes(q)) item.questions.push(q);
  }
  if (items.size === 0) throw new Error(`${path}: found no exported array of { id, content, question? } items`);
  return [...items.values()];
}
