import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Context } from 'koa';
import type { BrandFile, Branding } from './branding.ts';
import { paletteCss, paletteOf } from './colours.ts';
import { websiteLook } from './website.ts';

/**
 * The operator's files (logo, favicon, palette, extra stylesheet) under `/assets/brand/`, read at
 * start, and each website's palette: the pages allow styles only from saoma's own origin, so a
 * website's colour reaches its page as a small stylesheet, never as an inline style.
 */
export function brandRoutes(branding: Branding, provider: Provider): Router {
  const router = new Router();
  // Browsers ask for /favicon.ico on their own: the operator's icon, when it is a file of theirs.
  const favicon = [...branding.files.keys()].find((name) => name.startsWith('favicon.'));
  if (favicon) router.get('/favicon.ico', (ctx) => serve(ctx, branding.files.get(favicon)!));
  router.get('/assets/brand/website/:file', async (ctx) => {
    const id = /^(.+)\.css$/.exec(ctx.params.file!)?.[1];
    if (!id) return;
    const client = await provider.Client.find(id);
    const look = websiteLook(client as never);
    ctx.type = 'text/css; charset=utf-8';
    // The page names the colour in the address, so a change of colour is a new address.
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = look?.colour && branding.clientBranding ? paletteCss(paletteOf(look.colour)) : '';
  });
  router.get('/assets/brand/:file', (ctx) => {
    const file = branding.files.get(ctx.params.file!);
    if (file) serve(ctx, file);
  });
  return router;
}

function serve(ctx: Context, file: BrandFile): void {
  ctx.type = file.type;
  ctx.set('Cache-Control', 'public, max-age=86400');
  ctx.body = file.body;
}
