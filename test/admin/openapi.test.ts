import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type Router from '@koa/router';
import type Koa from 'koa';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { ADMIN_TOKEN } from './helpers.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const DOCUMENTED_PREFIXES = ['/mp/', '/admin/'];

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
}

const doc = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8')) as OpenApi;

/** Every "METHOD /path" the document describes, path parameters as {name}. */
function documented(): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) if (item[method]) out.add(`${method.toUpperCase()} ${path}`);
  }
  return out;
}

/** Every "METHOD /path" the routers of a running app answer, read from the routers themselves. */
function routed(app: Koa): Set<string> {
  const out = new Set<string>();
  for (const middleware of app.middleware as Array<{ router?: Router }>) {
    for (const layer of middleware.router?.stack ?? []) {
      if (typeof layer.path !== 'string') continue;
      const path = layer.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}').replace(/(.)\/$/, '$1');
      for (const method of layer.methods) if (method !== 'HEAD') out.add(`${method} ${path}`);
    }
  }
  return out;
}

describe('docs/openapi.json', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({ ADMIN_TOKEN, REGISTRATION_ENABLED: 'true' });
  });
  after(() => saoma.close());

  it('is OpenAPI 3.1 and describes exactly the admin and mini-program routes the server registers', () => {
    assert.equal(doc.openapi, '3.1.0');
    const running = new Set([...routed(saoma.saoma.provider), ...routed(saoma.saoma.adminApp!)].filter((r) => DOCUMENTED_PREFIXES.some((p) => r.split(' ')[1]!.startsWith(p))));
    assert.ok(running.size >= 13, `found the routers (${[...running].join(', ')})`);
    const described = documented();
    assert.deepEqual([...running].filter((r) => !described.has(r)), [], 'routes the document does not describe');
    assert.deepEqual([...described].filter((r) => !running.has(r)), [], 'routes the document describes that do not exist');
  });

  it('every admin route requires the admin token, and says so', async () => {
    for (const [path, item] of Object.entries(doc.paths).filter(([p]) => p.startsWith('/admin/'))) {
      for (const method of METHODS) {
        if (!item[method]) continue;
        assert.deepEqual(item[method].security, [{ adminToken: [] }], `${method} ${path} declares the admin token`);
        assert.ok(item[method].responses['401'], `${method} ${path} documents 401`);
        const res = await fetch(`${saoma.issuer}${path.replace(/\{[^}]+\}/g, 'x')}`, { method: method.toUpperCase() });
        assert.equal(res.status, 401, `${method} ${path} without a token`);
      }
    }
  });

  it('what each route answers to a bad or empty request is a status the document lists', async () => {
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of METHODS) {
        const operation = item[method];
        if (!operation) continue;
        // An id that does not exist, and an empty JSON object: each route must answer in its own words.
        const url = `${saoma.issuer}${path.replace(/\{[^}]+\}/g, 'no-such-id')}`;
        const res = await fetch(url, { method: method.toUpperCase(), headers, ...(method === 'get' || method === 'delete' ? {} : { body: '{}' }) });
        const body = await res.text();
        assert.doesNotMatch(body, /no such admin route|unrecognized route/i, `${method} ${path} is routed`);
        assert.ok(operation.responses[String(res.status)], `${method.toUpperCase()} ${path} answered ${res.status}, which the document does not list: ${body.slice(0, 200)}`);
      }
    }
  });
});
