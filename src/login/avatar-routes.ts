import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { SaomaError } from '../errors.ts';
import { readRequestBody } from '../http/body.ts';
import { parse } from '../http/parse.ts';
import { handleErrors } from '../http/middleware.ts';
import { rateLimit } from '../http/rate-limit.ts';
import { storeKeys } from '../store/keys.ts';
import { Avatars, sniffImageType } from './avatars.ts';
import type { LoginServices } from './services.ts';
import { refusalOf } from './ticket-machine.ts';
import { isSaomaScene } from '../wechat/scene.ts';

const NO_SCENE = '"scene" is required: the scene of the code that was scanned.';
const NO_TOKEN = '"token" is required: the token /mp/scan answered.';

/** The multipart fields of an upload, checked in this order (an absent field reads as null). */
const AvatarUpload = z.object({
  scene: z.string({ error: NO_SCENE }).refine(isSaomaScene, { error: NO_SCENE }),
  token: z.string({ error: NO_TOKEN }).min(1, { error: NO_TOKEN }),
  avatar: z.instanceof(File, { error: 'Send the picture as the file field "avatar".' }),
});

/** Largest avatar accepted. The mini-program shrinks the picture first; this is the backstop. */
export const AVATAR_MAX_BYTES = 1024 * 1024;
/** Room for the multipart framing and the scene and token fields around the file. */
const FORM_OVERHEAD = 16 * 1024;

/**
 * POST /mp/avatar: the picture a person chose in the mini-program (`wx.uploadFile`, multipart
 * fields `scene`, `token`, file `avatar`). Only the scanner of a live ticket may upload, with the
 * scan token that /mp/scan gave them. Answers `{"avatar_url"}`, which /mp/confirm takes as
 * `avatar_url` and which becomes the `picture` claim.
 *
 * GET /mp/avatar/:id serves it back: same bytes for ever, the type found by its magic bytes.
 */
export function avatarRoutes(services: LoginServices): Router {
  const { tickets, store, accounts, config } = services;
  const avatars = new Avatars(store, accounts, config.issuer);
  const router = new Router({ prefix: '/mp/avatar' });
  router.use(handleErrors(() => 'json'));

  router.post('/', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    await rateLimit(store, storeKeys.miniProgramCalls(ctx.ip), 120, 60_000);
    const form = await readMultipart(ctx);
    const { scene, token, avatar: file } = parse(AvatarUpload, { scene: form.get('scene'), token: form.get('token'), avatar: form.get('avatar') });

    const ticket = await tickets.get(scene);
    if (!ticket) throw new SaomaError('ticket_not_found', 'No login code matches this scene; it may be from an old page.');
    // Only the scanner of a ticket that can still be confirmed, as /mp/confirm will check again.
    const refused = refusalOf(ticket, 'confirm', token);
    if (refused) throw refused;
    // One person, a handful of pictures an hour: keeps what anyone can make us store small.
    await rateLimit(store, storeKeys.avatarUploads(String(ticket.account_id)), 10, 60 * 60_000);

    const bytes = new Uint8Array(await file.arrayBuffer());
    if (bytes.length === 0) throw new SaomaError('invalid_request', 'The picture is empty.');
    if (bytes.length > AVATAR_MAX_BYTES) throw new SaomaError('payload_too_large', `The picture is larger than ${AVATAR_MAX_BYTES} bytes.`);
    const type = sniffImageType(bytes);
    if (!type) throw new SaomaError('invalid_request', 'The picture must be a JPEG, PNG or WebP image.');

    const url = await avatars.save(ticket.account_id!, type, bytes);
    ctx.log.info({ event: 'avatar.saved', bytes: bytes.length, type }, 'avatar uploaded');
    ctx.body = { avatar_url: url };
  });

  router.get('/:id', async (ctx) => {
    const avatar = await avatars.find(ctx.params.id ?? '');
    if (!avatar) throw new SaomaError('not_found', 'No such picture.');
    ctx.type = avatar.type;
    // An id's bytes never change; websites on other origins may show it.
    ctx.set('Cache-Control', 'public, max-age=31536000, immutable');
    ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
    ctx.body = avatar.bytes;
  });

  return router;
}

/** Reads a multipart/form-data body of bounded size and parses it with the platform's own parser. */
async function readMultipart(ctx: Context): Promise<FormData> {
  if (!ctx.is('multipart/form-data')) throw new SaomaError('invalid_request', 'Send the picture as multipart/form-data (wx.uploadFile).');
  const limit = AVATAR_MAX_BYTES + FORM_OVERHEAD;
  const tooLarge = () => new SaomaError('payload_too_large', `The picture is larger than ${AVATAR_MAX_BYTES} bytes.`);
  const body = await readRequestBody(ctx, limit, { tooLarge });
  try {
    return await new Response(body, { headers: { 'content-type': ctx.get('content-type') } }).formData();
  } catch {
    throw new SaomaError('invalid_request', 'The body is not a valid multipart/form-data form.');
  }
}
