// The one private module of oidc-provider that saoma uses (see src/oidc/keystore.ts for why).
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  const instance: (provider: object) => { keystore?: { clear?: unknown; add?: unknown }; jwks?: { keys?: unknown } } | undefined;
  export default instance;
}
