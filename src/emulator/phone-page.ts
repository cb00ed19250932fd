import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { render } from '../http/views.ts';

const assetsDir = fileURLToPath(new URL('../../public/emulator/', import.meta.url));
/** The only files served: a fixed list, so no request path ever reaches the file system. */
const assets: Record<string, string> = {
  'phone.js': 'text/javascript; charset=utf-8',
  'phone.css': 'text/css; charset=utf-8',
};

/**
 * GET /emulator: the simulated phone, which does what the mini-program does through saoma's
 * /mp/* API. Its script and style are files (served below), never inline, so it runs under a CSP
 * of `script-src 'self'`.
 */
export function phonePageRoutes(router: Router, options: { appid: string }): void {
  router.get('/emulator', (ctx: Context) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = render('emulator/phone', { appid: options.appid });
  });

  router.get('/emulator/assets/:file', async (ctx: Context) => {
    const file = (ctx.params as { file?: string }).file ?? '';
    const type = Object.hasOwn(assets, file) ? assets[file] : undefined;
    if (!type) return;
    ctx.type = type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = await readFile(`${assetsDir}${file}`);
  });
}
