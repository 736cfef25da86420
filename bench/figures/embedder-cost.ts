/**
 * Diagnosis only: the CPU cost of the local embedder (src/memory/embeddings/local-embedder.ts) per text,
 * timed in this Node process (the same V8 as workerd). Every store embeds its content and every vector or
 * hybrid search embeds its query, so this is a floor under both. Bundled with esbuild because the source
 * uses extensionless imports; if the module moves or changes shape this reports nothing rather than fail.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { prng } from "../lib/prng.ts";
import { generateMemory, generateQuery } from "../lib/sentences.ts";
import { summarize } from "../lib/stats.ts";

const SOURCE = "src/memory/embeddings/local-embedder.ts";
type EmbedderModule = { LocalEmbedder?: new () => { embed(texts: string[]): Promise<Float32Array[]> } };

export async function embedderCost(root: string): Promise<string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), "switchyard-bench-embedder-"));
  try {
    const esbuild = await import("esbuild");
    const outfile = join(dir, "local-embedder.mjs");
    await esbuild.build({ entryPoints: [join(root, SOURCE)], bundle: true, format: "esm", platform: "neutral", outfile, logLevel: "silent" });
    const { LocalEmbedder } = (await import(pathToFileURL(outfile).href)) as EmbedderModule;
    if (!LocalEmbedder) return undefined;
    const embedder = new LocalEmbedder();
    const random = prng(0xe3b);
    const memories = Array.from({ length: 1200 }, (_, i) => generateMemory(random, i).content);
    const queries = Array.from({ length: 1200 }, () => generateQuery(random));
    const time = async (texts: string[]) => {
      const samples: number[] = [];
      for (const [i, text] of texts.entries()) {
        const started = performance.now();
        await embedder.embed([text]);
        if (i >= 200) samples.push(performance.now() - started); // the first 200 warm the JIT
      }
      return summarize(samples);
    };
    const m = await time(memories);
    const q = await time(queries);
    return (
      `Local embedder CPU (${SOURCE}, timed in Node): p50 ${m.p50.toFixed(3)} ms per stored sentence, ` +
      `${q.p50.toFixed(3)} ms per search query (p95 ${m.p95.toFixed(3)} / ${q.p95.toFixed(3)} ms).`
    );
  } catch (err) {
    return `Local embedder CPU: not measured (${err instanceof Error ? err.message.split("\n")[0] : String(err)}).`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
