import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import { pageBrand } from '../branding/page.ts';

/**
 * The one template engine: Eta over `views/`, with auto-escaping on (`<%= x %>` is escaped;
 * `<%~ %>` is raw and only ever used for another rendered template). Templates are cached.
 */
const viewsDir = fileURLToPath(new URL('../../views/', import.meta.url));

export const views = new Eta({ views: viewsDir, autoEscape: true, cache: true, autoTrim: false });

/** Renders a page; every page gets the operator's brand and legal footer (`it.brand`, branding/page.ts). */
export function render(name: string, data: Record<string, unknown>): string {
  return views.render(name, { ...data, brand: pageBrand(data) });
}
