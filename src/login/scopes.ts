import type { Translate } from '../http/locale.ts';

/** The requested scopes in words, for the confirm screen and the consent page. */
export function describeScopes(scopes: string[], t: Translate): Array<{ scope: string; description: string }> {
  return scopes.map((scope) => {
    const words = t(`scope.${scope}`);
    return { scope, description: words === `scope.${scope}` ? scope : words };
  });
}
