import { DurableObject } from "cloudflare:workers";

export class VectorShard extends DurableObject<Env> {}
