import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import Router from '@koa/router';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png' };

/**
 * The page assets under `/assets/…` and the icon, read once at start from `public/` (no CDN: every byte the
 * login page loads comes from saoma). Only files that exist at start are served.
 */
export function assetRoutes(files = ['login.js', 'saoma.css', 'logo-placeholder.svg', 'favicon.svg']): Router {
  const router = new Router();
  const cache = new Map(files.map((name) => [name, readFileSync(new URL(`../../public/${name}`, import.meta.url))]));
  // Browsers ask for /favicon.ico on their own; answer with the icon instead of a 404.
  router.get('/favicon.ico', (ctx) => {
    ctx.type = TYPES['.svg']!;
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.body = cache.get('favicon.svg');
  });
  router.get('/assets/:name', (ctx) => {
    const body = cache.get(ctx.params.name!);
    if (!body) return;
    ctx.type = TYPES[extname(ctx.params.name!)] ?? 'application/octet-stream';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = body;
  });
  return router;
}
