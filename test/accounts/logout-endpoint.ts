import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * A relying party's back-channel logout endpoint. Each request waits on `answer` (the test decides
 * how it is answered and when), and every logout token is checked as the specification asks of a
 * website, with jose against saoma's published keys.
 */
export class LogoutEndpoint {
  readonly received: JWTPayload[] = [];
  server!: Server;
  url = '';
  answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end();
  #waiters: Array<() => boolean> = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.#handle(req, res));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/backchannel-logout`;
  }

  /** Resolves once `count` requests have arrived in all. */
  arrived(count: number): Promise<void> {
    if (this.requests >= count) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(() => {
        if (this.requests < count) return false;
        resolve();
        return true;
      });
    });
  }

  requests = 0;
  bodies: string[] = [];

  #handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      this.requests++;
      this.bodies.push(body);
      this.answer(res);
      this.#waiters = this.#waiters.filter((w) => !w());
    });
  }

  async verify(issuer: string, clientId: string, index: number): Promise<JWTPayload> {
    const token = new URLSearchParams(this.bodies[index]).get('logout_token');
    assert.ok(token, 'a logout_token form field');
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer, audience: clientId, typ: 'logout+jwt' });
    assert.ok(protectedHeader.alg && protectedHeader.alg !== 'none');
    assert.deepEqual(payload.events, { [LOGOUT_EVENT]: {} });
    assert.equal((payload as { nonce?: unknown }).nonce, undefined, 'a logout token never has a nonce');
    assert.ok(payload.jti && payload.iat);
    return payload;
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
