import Router from '@koa/router';
import { handleErrors } from '../../http/middleware.ts';
import type { LoginServices } from '../services.ts';
import { mpCancel } from './cancel.ts';
import { mpConfirm } from './confirm.ts';
import { mpEdge } from './edge.ts';
import { mpScan } from './scan.ts';

/**
 * The mini-program's API, under `/mp`: each route in its own file here. The scan binds the ticket
 * to one WeChat user and hands that user a token; confirm and cancel need it. Whoever lacks the
 * token learns nothing about the ticket beyond "invalid_token".
 */
export function miniProgramRoutes(services: LoginServices): Router {
  const router = new Router({ prefix: '/mp' });
  router.use(handleErrors(() => 'json'), mpEdge(services));
  router.post('/scan', mpScan(services));
  router.post('/confirm', mpConfirm(services));
  router.post('/cancel', mpCancel(services));
  return router;
}
