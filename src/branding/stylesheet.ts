/**
 * The operator's extra stylesheet may change how saoma's pages look, but not what they load: the
 * Content-Security-Policy allows images from any https origin, so a `url()` in the stylesheet
 * could otherwise reach out to another site on every page view. Each `url()`, `@import` and
 * `image-set()` target must be a `data:` URL or a path on saoma's own origin (`/assets/…`).
 */
export function stylesheetProblems(css: string): string[] {
  // CSS escapes (`\75 rl(`) would hide a url( from a plain search: decode them first.
  const text = css.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\\([0-9a-f]{1,6})\s?/gi, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16))).replace(/\\(.)/g, '$1');
  const problems: string[] = [];
  const targets = [
    ...[...text.matchAll(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi)].map((m) => m[2]!),
    ...[...text.matchAll(/@import\s+(?:url\()?\s*["']?([^"')\s;]*)/gi)].map((m) => m[1]!),
    ...[...text.matchAll(/image-set\(([^)]*)\)/gi)].flatMap((m) => [...m[1]!.matchAll(/["']([^"']*)["']/g)].map((s) => s[1]!)),
  ];
  for (const target of new Set(targets)) {
    const trimmed = target.trim();
    if (/^data:/i.test(trimmed)) continue;
    if (trimmed.startsWith('/') && !trimmed.startsWith('//')) continue;
    problems.push(`loads ${JSON.stringify(trimmed.slice(0, 80))}: only data: URLs and paths on saoma's own origin (starting with /) are allowed`);
  }
  return problems;
}
