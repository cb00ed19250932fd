/**
 * The bare baseline of the waiting-page benchmarks (runner role `held`): the least a `node:http`
 * server can do to hold a request and answer it when a second request arrives, on the same hops as
 * saoma on Redis, and with the same URLs, so the load generator drives it with the same code.
 *
 *   GET /interaction/<id>/status…  is held: one Map entry and one 'close' listener, nothing else;
 *   POST /mp/confirm {"scene": id} reads its JSON body, PUBLISHes the id on one Redis channel and
 *                                  answers 200 once Redis has taken it;
 *   every held process subscribes to that channel and answers the held request of that id with
 *   {"state":"confirmed"}: across two processes the wake-up goes through Redis as saoma's does.
 *
 * What it leaves out is what saoma does on top and what the ratios measure: no store write or
 * compare-and-set, no cookie, session or interaction check, no middleware, no timer per request.
 */
import { createServer, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';

const CHANNEL = 'bench-held';
const JSON_TYPE = { 'content-type': 'application/json' };

export interface Held {
  port: number;
  /** Requests held right now. */
  waiting(): number;
  connections(): Promise<number>;
  close(): Promise<void>;
}

export async function startHeld(redisUrl: string, port = 0): Promise<Held> {
  const held = new Map<string, ServerResponse>();
  const publisher = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  await subscriber.subscribe(CHANNEL);
  subscriber.on('message', (_channel: string, id: string) => {
    const res = held.get(id);
    if (!res) return;
    held.delete(id);
    res.writeHead(200, JSON_TYPE).end('{"state":"confirmed"}');
  });
  const server = createServer((req, res) => {
    const wait = /^\/interaction\/([^/?]+)\/status/.exec(req.url ?? '');
    if (req.method === 'GET' && wait) {
      const id = wait[1]!;
      held.set(id, res);
      res.once('close', () => {
        if (held.get(id) === res) held.delete(id);
      });
    } else if (req.method === 'POST' && req.url === '/mp/confirm') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        let scene: unknown;
        try {
          scene = JSON.parse(Buffer.concat(chunks).toString('utf8')).scene;
        } catch {
          // answered below as a bad request
        }
        if (typeof scene !== 'string') return void res.writeHead(400, JSON_TYPE).end('{"error":"invalid_request"}');
        publisher.publish(CHANNEL, scene).then(
          () => res.writeHead(200, JSON_TYPE).end('{"ok":true}'),
          () => res.writeHead(503, JSON_TYPE).end('{"error":"unavailable"}'),
        );
      });
    } else {
      res.writeHead(404).end();
    }
  });
  // As saoma's server (src/app.ts): keep-alive longer than any client's, no request timeout to meet.
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    waiting: () => held.size,
    connections: () => new Promise((resolve) => server.getConnections((err, count) => resolve(err ? -1 : count))),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}
