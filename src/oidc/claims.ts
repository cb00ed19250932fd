/** The scopes saoma offers and the claims each releases (userinfo, and the ID token on request). */
export const claims = {
  openid: ['sub'],
  profile: ['nickname', 'picture'],
  phone: ['phone_number', 'phone_number_verified'],
} as const;

export const scopes = ['openid', 'offline_access', 'profile', 'phone'] as const;
