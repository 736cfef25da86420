interface Env { SWITCHYARD_EVENTS: Queue; SWITCHYARD?: Fetcher }
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/publish") {
      await env.SWITCHYARD_EVENTS.send(await request.json());
      return Response.json({ queued: true }, { status: 202 });
    }
    if (env.SWITCHYARD) return env.SWITCHYARD.fetch(request);
    return new Response("no", { status: 404 });
  },
};
