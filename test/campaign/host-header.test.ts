import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/** GET `path` with exactly this Host header (fetch would not send a broken one). */
function getWithHost(saoma: RunningSaoma, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(new URL(saoma.issuer).port), path, headers: { host }, setHost: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Found by the campaign: oidc-provider builds discovery's URLs from the request's Host, and a Host
 * that is not a host (a space, a port out of range, an open bracket) made discovery answer 500.
 */
describe('a Host header that is not a host', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  for (const host of ['x y', 'a:99999', '[::1', 'a/b']) {
    it(`Host ${JSON.stringify(host)} is refused with 400 invalid_request, on discovery and everywhere`, async () => {
      for (const path of ['/.well-known/openid-configuration', '/jwks', '/healthz']) {
        const answer = await getWithHost(saoma, path, host);
        assert.equal(answer.status, 400, `${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
        assert.equal(JSON.parse(answer.body).error, 'invalid_request');
      }
    });
  }

  it('a request with a proper Host is served as before', async () => {
    const answer = await getWithHost(saoma, '/.well-known/openid-configuration', new URL(saoma.issuer).host);
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.body).issuer, saoma.issuer);
  });
});
