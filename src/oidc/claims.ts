/** The scopes saoma offers and the claims each releases (userinfo, and the ID token on request). */
export const claims = {
  openid: ['sub'],
  profile: ['nickname', 'picture'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export const scopes = ['openid', 'offline_access', 'profile', 'phone'] as const;

/**
 * Scopes a website gets only from a login for that website in which the person tapped in WeChat
 * (the phone button): only `/interaction/:uid/complete` grants them, from the confirmed ticket.
 * A web consent page and a first-party website's silent grant refuse them instead; the website
 * can ask again in a later login (e.g. `prompt=login`), where a tap grants them.
 */
export const TAP_ONLY_SCOPES: ReadonlySet<string> = new Set(['phone']);
