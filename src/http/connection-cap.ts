import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from '../log.ts';

/** Connections over the cap: their answer is already sent, so a request parsed from one is dropped. */
const refused = new WeakSet<Socket>();

export function wasRefused(socket: Socket): boolean {
  return refused.has(socket);
}

/**
 * At most `max` open connections from one address: one client cannot hold every file descriptor
 * of the process (long-polls keep connections open for STATUS_WAIT_SECONDS), which would starve
 * everyone else, health probes included. A connection over the cap is answered at once with a
 * bare 429 and closed, before any of it is parsed; the others, and other addresses, are not
 * touched. `exempt` peers (trusted proxies, which carry many people's connections) are not
 * counted: behind a proxy, cap connections at the proxy (docs/operations.md).
 */
export function capConnectionsPerAddress(server: Server, max: number, exempt: (address: string) => boolean, log: Logger): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  let lastWarned = 0;
  // Before the HTTP server's own listener: the answer goes out before anything is read, and a
  // request parsed from the connection anyway is dropped by `dispatch` (wasRefused).
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    if (exempt(address)) return;
    const count = open.get(address) ?? 0;
    if (count >= max) {
      refuse(socket);
      // One line a minute at most: a flood must not flood the log too.
      if (Date.now() - lastWarned > 60_000) {
        lastWarned = Date.now();
        log.warn({ event: 'connections.capped', ip: address, max }, 'connection refused: too many open from one address');
      }
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}

const BODY = JSON.stringify({ error: 'rate_limited', error_description: 'Too many open connections from your address; close some and try again.' });
const ANSWER = `HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\nRetry-After: 5\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${BODY}`;

function refuse(socket: Socket): void {
  refused.add(socket);
  socket.on('error', () => {}); // the client may already be gone; nothing to report
  // Once the answer is handed over, let go of the descriptor at once.
  socket.end(ANSWER, () => socket.destroy());
}
