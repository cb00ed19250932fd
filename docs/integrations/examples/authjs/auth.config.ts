import type { ExpressAuthConfig } from '@auth/express';

// saoma as an Auth.js provider: the generic OIDC provider, nothing WeChat-specific.
// In Next.js this object goes to NextAuth({ ... }) in auth.ts; the provider block is the same.
export const authConfig: ExpressAuthConfig = {
  trustHost: true, // behind your own proxy or on localhost; Next.js on Vercel sets it for you
  providers: [
    {
      id: 'saoma', // the callback is /auth/callback/saoma: register it as the redirect URI
      name: 'WeChat',
      type: 'oidc', // discovery at <issuer>/.well-known/openid-configuration, PKCE S256, ID token checked
      issuer: process.env.AUTH_SAOMA_ISSUER, // e.g. https://login.example.com (no trailing slash)
      clientId: process.env.AUTH_SAOMA_ID,
      clientSecret: process.env.AUTH_SAOMA_SECRET,
      // Auth.js asks for "openid profile email" by default; saoma offers openid, profile, phone, offline_access.
      authorization: { params: { scope: 'openid profile' } },
      // Auth.js builds the profile from the ID token; saoma puts nickname and picture in it, so
      // the default profile() gives name = nickname and image = picture. No idToken: false needed.
    },
  ],
  callbacks: {
    // Keep saoma's sub and the ID token (for sign-out) in Auth.js's session cookie.
    jwt({ token, account, profile }) {
      if (account && profile) {
        token.sub = profile.sub ?? token.sub;
        token.idToken = account.id_token;
      }
      return token;
    },
    session({ session, token }) {
      session.user.id = token.sub ?? '';
      return session;
    },
  },
};
