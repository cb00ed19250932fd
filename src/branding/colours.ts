import { rgb as contrast, type RGBColor } from 'wcag-contrast';

/**
 * The brand colour and what saoma derives from it, with the WCAG AA checks done at start: a
 * colour that would make a button or a link unreadable is refused there, naming the pair, never
 * discovered on a live page. The page backgrounds below are those of `public/saoma.css`.
 */
export const HEX = /^#[0-9a-f]{6}$/i;
const AA = 4.5;
const WHITE: RGBColor = [255, 255, 255];
const LIGHT = { card: '#ffffff', page: '#f3f5f7' };
const DARK = { card: '#171c22', page: '#0f1419' };

/** The CSS custom properties of one colour scheme (names as in saoma.css). */
export interface Scheme { accent: string; 'accent-hover': string; 'accent-soft': string; 'accent-ink': string }
export interface Palette { light: Scheme; dark: Scheme }

function parse(hex: string): RGBColor {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as RGBColor;
}

function format(c: RGBColor): string {
  return `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
}

/** `share` of `a` over `b`. */
function mix(a: string, b: string, share: number): string {
  const [x, y] = [parse(a), parse(b)];
  return format(x.map((v, i) => v * share + y[i]! * (1 - share)) as RGBColor);
}

function ratio(a: string, b: string): number {
  return contrast(parse(a), parse(b));
}

/** The first mix of `colour` towards white that reads on every one of `backgrounds`. */
function readableOn(colour: string, backgrounds: string[]): string {
  for (let share = 1; share > 0; share -= 0.05) {
    const candidate = mix(colour, format(WHITE), share);
    if (backgrounds.every((bg) => ratio(candidate, bg) >= AA)) return candidate;
  }
  return '#ffffff';
}

/**
 * Every pair below AA, named so the operator can fix it: white button text on the colour, and the
 * colour as link text on the light card, page and tint. `setting` names the setting in the message.
 */
export function contrastProblems(setting: string, light: string, dark: string = light): string[] {
  const problems: string[] = [];
  const check = (fg: string, bg: string, what: string) => {
    const r = ratio(fg, bg);
    if (r < AA) problems.push(`${setting}: ${what} has a contrast of ${r.toFixed(2)}:1, below WCAG AA 4.5:1; choose a darker colour`);
  };
  check('#ffffff', light, `white button text on ${light}`);
  check(light, LIGHT.page, `${light} link text on the page background ${LIGHT.page}`);
  check(light, tint(light), `${light} text on its tint ${tint(light)}`);
  if (dark !== light) check('#ffffff', dark, `white button text on ${dark} (dark scheme)`);
  return problems;
}

function tint(colour: string): string {
  return mix(colour, LIGHT.card, 0.1);
}

/**
 * Both schemes from the colour(s). In the dark scheme the buttons keep the colour (white text
 * on it was checked) and links and marks use it lightened until they read on the dark card.
 */
export function paletteOf(light: string, dark: string = light): Palette {
  const darkSoft = mix(dark, DARK.card, 0.22);
  return {
    light: { accent: light, 'accent-hover': mix(light, '#000000', 0.88), 'accent-soft': tint(light), 'accent-ink': light },
    dark: { accent: dark, 'accent-hover': mix(dark, '#ffffff', 0.9), 'accent-soft': darkSoft, 'accent-ink': readableOn(dark, [DARK.card, DARK.page, darkSoft]) },
  };
}

/** The stylesheet that puts a palette in place of saoma's green, for `selector`. */
export function paletteCss(palette: Palette, selector = ':root'): string {
  const vars = (scheme: Scheme) => Object.entries(scheme).map(([name, value]) => `--${name}: ${value};`).join(' ');
  return `${selector} { ${vars(palette.light)} }\n@media (prefers-color-scheme: dark) { ${selector} { ${vars(palette.dark)} } }\n`;
}
