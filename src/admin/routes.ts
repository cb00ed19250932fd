import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { readJson } from '../http/body.ts';
import { optionalWholeNumber, parse } from '../http/parse.ts';
import type { Actor, AdminService } from './service.ts';

/** Bodies of at most 64 KB: a client with 20 redirect URIs and an inline JWKS fits easily. */
const BODY_LIMIT = 64 * 1024;
const DEFAULT_REGISTRATION_TOKEN_TTL = 7 * 24 * 3600;

/**
 * The bodies, checked at the edge. A client's metadata is judged whole by the registry
 * (clients/metadata.ts), with every problem named: it needs the store to tell a taken id.
 */
const rotateBody = z.object({ delay_seconds: optionalWholeNumber('delay_seconds') });
const registrationTokenBody = z.object({ ttl_seconds: optionalWholeNumber('ttl_seconds') });

/**
 * The admin API's routes, under `prefix` (ADMIN_PATH). JSON in, JSON out; errors are
 * `{error, error_description}` (plus `problems` for refused client metadata). Described route by
 * route in docs/openapi.json, which a test compares with this router.
 */
export function adminRoutes(admin: AdminService, prefix: string): Router {
  const router = new Router({ prefix });
  const who = (ctx: Context) => ctx.state.who as Actor;

  router.get('/clients', async (ctx) => {
    ctx.body = { clients: await admin.listClients() };
  });

  router.post('/clients', async (ctx) => {
    ctx.body = await admin.createClient(await readJson(ctx, BODY_LIMIT), who(ctx));
    ctx.status = 201;
  });

  router.get('/clients/:client_id', async (ctx) => {
    ctx.body = { client: await admin.getClient(ctx.params.client_id!) };
  });

  router.patch('/clients/:client_id', async (ctx) => {
    ctx.body = await admin.updateClient(ctx.params.client_id!, await readJson(ctx, BODY_LIMIT), who(ctx));
  });

  router.delete('/clients/:client_id', async (ctx) => {
    ctx.body = await admin.removeClient(ctx.params.client_id!, who(ctx));
  });

  router.post('/clients/:client_id/secret', async (ctx) => {
    ctx.body = await admin.rotateClientSecret(ctx.params.client_id!, who(ctx));
  });

  router.get('/keys', (ctx) => {
    ctx.body = { keys: admin.listKeys() };
  });

  router.post('/keys/rotate', async (ctx) => {
    const { delay_seconds } = parse(rotateBody, await optionalJson(ctx));
    ctx.body = await admin.rotateKeys(who(ctx), delay_seconds);
  });

  router.post('/registration-tokens', async (ctx) => {
    const { ttl_seconds } = parse(registrationTokenBody, await optionalJson(ctx));
    ctx.body = await admin.createRegistrationToken(who(ctx), ttl_seconds ?? DEFAULT_REGISTRATION_TOKEN_TTL);
    ctx.status = 201;
  });

  return router;
}

/** A JSON body, or `{}` when none was sent. */
async function optionalJson(ctx: Context): Promise<Record<string, unknown>> {
  const empty = !ctx.get('content-type') && !ctx.get('transfer-encoding') && Number(ctx.get('content-length') || 0) === 0;
  return empty ? {} : readJson(ctx, BODY_LIMIT);
}
