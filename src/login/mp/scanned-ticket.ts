import { z } from 'zod';
import { SaomaError } from '../../errors.ts';
import { requiredString } from '../../http/parse.ts';
import { isSaomaScene, isValidScene } from '../../wechat/scene.ts';
import { lookupNetwork, networkForAudit, sameNetwork } from '../network.ts';
import type { LoginTicket } from '../ticket.ts';
import type { Tickets } from '../tickets.ts';

/** The `scene` of the code that was scanned: WeChat's own alphabet and length, else refused before any lookup or call. */
export const sceneField = requiredString('scene', 64).refine(isValidScene, {
  error: '"scene" must be 1–32 characters from WeChat\'s scene alphabet.',
});

/** The token /mp/scan gave the scanner; confirm and cancel need it. */
export const tokenField = requiredString('token', 128);

/** The scanned code's scene alone. */
export const SceneOfCode = z.object({ scene: sceneField });

/** What /mp/cancel takes; /mp/scan and /mp/confirm take more. */
export const ScannerRequest = z.object({ token: tokenField, scene: sceneField });

/** The ticket of a scanned code; a scene saoma never made has none. */
export async function ticketOfScene(tickets: Tickets, scene: string): Promise<LoginTicket> {
  const ticket = isSaomaScene(scene) ? await tickets.get(scene) : undefined;
  if (!ticket) throw new SaomaError('ticket_not_found', 'No login code matches this scene; it may be from an old page.');
  return ticket;
}

/**
 * Both networks for an audit line, as region and operator: the phone's address is the line's `ip`
 * (as on every audit line); the browser's address stays out of the logs, as it always has.
 */
export function networksForAudit(ticket: LoginTicket, phoneIp: string) {
  return {
    browser_network: networkForAudit(lookupNetwork(ticket.requester.ip)),
    phone_network: networkForAudit(lookupNetwork(phoneIp)),
    same_network: sameNetwork(ticket.requester.ip, phoneIp),
  };
}
