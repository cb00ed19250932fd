import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Branding } from './branding.ts';
import { paletteCss, paletteOf } from './colours.ts';
import { websiteLook } from './website.ts';

/**
 * The operator's files (logo, favicon, palette, extra stylesheet) under `/assets/brand/`, read at
 * start, and each website's palette: the pages allow styles only from saoma's own origin, so a
 * website's colour reaches its page as a small stylesheet, never as an inline style.
 */
export function brandRoutes(branding: Branding, provider: Provider): Router {
  const router = new Router({ prefix: '/assets/brand' });
  router.get('/website/:file', async (ctx) => {
    const id = /^(.+)\.css$/.exec(ctx.params.file!)?.[1];
    if (!id) return;
    const client = await provider.Client.find(id);
    const look = websiteLook(client as never);
    ctx.type = 'text/css; charset=utf-8';
    // The page names the colour in the address, so a change of colour is a new address.
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = look?.colour && branding.clientBranding ? paletteCss(paletteOf(look.colour)) : '';
  });
  router.get('/:file', (ctx) => {
    const file = branding.files.get(ctx.params.file!);
    if (!file) return;
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = file.body;
  });
  return router;
}
