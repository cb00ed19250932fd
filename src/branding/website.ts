import { errors } from 'oidc-provider';
import { contrastProblems, HEX } from './colours.ts';

/**
 * A website's (client's) own look on its login page, from its metadata: the standard `logo_uri`
 * (shown as today), `policy_uri` and `tos_uri` (linked before the scan), and saoma's
 * `saoma_primary_color` (its pages in its colour, when the operator's `client_branding` allows).
 */
export const WEBSITE_COLOUR = 'saoma_primary_color';

/** Problems with the website's colour, as `field: what is wrong` (empty when fine or absent). */
export function websiteLookProblems(metadata: Record<string, unknown>): string[] {
  const value = metadata[WEBSITE_COLOUR];
  if (value === undefined) return [];
  if (typeof value !== 'string' || !HEX.test(value)) return [`${WEBSITE_COLOUR}: must be a colour written #rrggbb`];
  return contrastProblems(WEBSITE_COLOUR, value);
}

/** oidc-provider's own check of the colour (its extraClientMetadata validator), as saoma's. */
export function assertWebsiteColour(key: string, value: unknown): void {
  if (key !== WEBSITE_COLOUR) return;
  const problems = websiteLookProblems({ [key]: value });
  if (problems.length) throw new errors.InvalidClientMetadata(problems.join('; '));
}

export interface WebsiteLook {
  id: string;
  privacyPolicy: string | undefined;
  terms: string | undefined;
  colour: string | undefined;
}

type ClientLike = { clientId?: string; policyUri?: string; tosUri?: string; [WEBSITE_COLOUR]?: unknown };

/** The look of a registered client (oidc-provider's Client), with only https links kept. */
export function websiteLook(client: ClientLike | undefined): WebsiteLook | undefined {
  if (!client?.clientId) return undefined;
  const https = (uri: string | undefined) => (uri?.startsWith('https://') ? uri : undefined);
  const colour = client[WEBSITE_COLOUR];
  return {
    id: client.clientId,
    privacyPolicy: https(client.policyUri),
    terms: https(client.tosUri),
    colour: typeof colour === 'string' && websiteLookProblems({ [WEBSITE_COLOUR]: colour }).length === 0 ? colour : undefined,
  };
}
