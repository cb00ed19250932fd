import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contrastProblems } from '../../src/branding/colours.ts';
import { stylesheetProblems } from '../../src/branding/stylesheet.ts';
import { clientProblems } from '../../src/clients/metadata.ts';
import { ConfigError, loadConfig } from '../../src/config/load.ts';
import { missingLocaleKeys } from '../../src/http/locale.ts';

export const PLAIN_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 28"><rect width="28" height="28" rx="6" fill="#1d4ed8"/><text x="36" y="20" font-size="16" fill="#1d4ed8">Acme</text></svg>';

/** A branding directory with `files` in it and `branding.json` holding `settings`. */
function brandingFile(settings: unknown, files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-branding-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  writeFileSync(join(dir, 'branding.json'), JSON.stringify(settings));
  return join(dir, 'branding.json');
}

/** The problems saoma names when started with these branding settings (none: it starts). */
function problemsOf(settings: unknown, files?: Record<string, string>): string[] {
  const env = { CLIENTS_FILE: '/nonexistent', BRANDING_FILE: brandingFile(settings, files) };
  let refusal: unknown;
  try { loadConfig(env); } catch (err) { refusal = err; }
  if (refusal === undefined) return [];
  assert.ok(refusal instanceof ConfigError, String(refusal));
  return refusal.problems;
}

describe('branding configuration', () => {
  it('a good branding file loads: files served by saoma, texts in every language, a palette', () => {
    const config = loadConfig({ CLIENTS_FILE: '/nonexistent', BRANDING_FILE: brandingFile({
      name: 'Acme', logo: { light: 'logo.svg', dark: 'https://cdn.acme.example/logo-dark.png' }, favicon: 'logo.svg', primary_color: '#1d4ed8',
      stylesheet: 'extra.css', footer: { 'zh-CN': '安可账号', 'zh-TW': '安可帳號', en: 'Acme account' }, icp_number: '京ICP备12345678号-1',
      public_security_number: '京公网安备11010502030143号', privacy_policy_uri: 'https://acme.example/privacy', terms_uri: 'https://acme.example/terms',
    }, { 'logo.svg': PLAIN_SVG, 'extra.css': '.brand-name { letter-spacing: .02em; background: url(data:image/png;base64,AA==) }' }) });
    const b = config.branding;
    assert.equal(b.name?.en, 'Acme');
    assert.equal(b.name?.['zh-TW'], 'Acme');
    assert.match(b.logo!.light, /^\/assets\/brand\/logo-light\.svg\?v=/);
    assert.equal(b.logo!.dark, 'https://cdn.acme.example/logo-dark.png');
    assert.equal(b.files.get('logo-light.svg')?.type, 'image/svg+xml');
    assert.match(b.stylesheet!, /^\/assets\/brand\/extra\.css\?v=/);
    assert.equal(b.palette?.light.accent, '#1d4ed8');
    assert.equal(b.footer?.['zh-TW'], '安可帳號');
    assert.match(b.publicSecurity!.href, /code=11010502030143$/);
  });

  it('every bad setting is refused at start, each named', () => {
    const problems = problemsOf(
      { logo: { light: 'http://acme.example/logo.png', dark: 'not-an-image.png' }, favicon: 'missing.ico', primary_color: '#9bd4ff', stylesheet: 'evil.css', footer: { 'zh-CN': '页脚', en: 'Footer' } },
      { 'not-an-image.png': '<html>hello</html>', 'evil.css': '@import "https://evil.example/x.css";\n.a { background: url(https://evil.example/t.gif) }' },
    );
    for (const pattern of [
      /^BRANDING_FILE .* logo: http:\/\/acme\.example\/logo\.png must be an https URL or a file/,
      /^BRANDING_FILE .* logo\.dark: not-an-image\.png is not an image/,
      /^BRANDING_FILE .* favicon: cannot read missing\.ico: ENOENT/,
      /^BRANDING_FILE .* primary_color: white button text on #9bd4ff has a contrast of 1\.\d\d:1, below WCAG AA 4\.5:1/,
      /^BRANDING_FILE .* stylesheet: evil\.css loads "https:\/\/evil\.example\/x\.css"/,
      /^BRANDING_FILE .* stylesheet: evil\.css loads "https:\/\/evil\.example\/t\.gif"/,
      /^BRANDING_FILE .* footer\.zh-TW: missing/,
    ]) assert.ok(problems.some((p) => pattern.test(p)), `${pattern} in\n${problems.join('\n')}`);
    assert.match(problemsOf({ privacy_policy_uri: 'http://acme.example/privacy', client_branding: 'yes' }).join('\n'), /privacy_policy_uri: must be an https URL[\s\S]*client_branding/);
  });

  it('a scripted SVG is not an image saoma serves', () => {
    const problems = problemsOf({ logo: 'logo.svg' }, { 'logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>' });
    assert.match(problems.join('\n'), /logo: logo\.svg is an SVG with script/);
  });

  it('an unknown setting and a bad file are named', () => {
    assert.match(problemsOf({ colour: '#000000' }).join('\n'), /BRANDING_FILE .* \(file\): Unrecognized key.*colour/i);
    assert.match(problemsOf('not an object').join('\n'), /BRANDING_FILE/);
  });

  it('contrast: the failing pair is named, a dark enough colour passes', () => {
    assert.deepEqual(contrastProblems('primary_color', '#1d4ed8'), []);
    assert.match(contrastProblems('primary_color', '#ffcc00')[0]!, /white button text on #ffcc00 has a contrast of 1\.\d\d:1/);
    assert.match(contrastProblems('x', '#1d4ed8', '#7dd3fc').join('\n'), /white button text on #7dd3fc \(dark scheme\)/);
  });

  it('stylesheets: only data: and own-origin paths, even behind CSS escapes', () => {
    assert.deepEqual(stylesheetProblems('.a { background: url("/assets/brand/logo-light.svg") } .b { background: url(data:image/png;base64,AA==) }'), []);
    assert.equal(stylesheetProblems('.a { background: \\75rl(//evil.example/x.png) }').length, 1);
    assert.equal(stylesheetProblems('.a { background-image: image-set("https://evil.example/x.png" 1x) }').length, 1);
    assert.equal(stylesheetProblems('@import url(relative.css);').length, 1);
  });

  it('every locale file has every key of every other (pages)', () => {
    assert.deepEqual(missingLocaleKeys(), []);
    assert.deepEqual(missingLocaleKeys({ en: { a: '1', b: '2' }, fr: { a: '1' } }), ['locales/fr.json: missing key "b"']);
  });

  it('a website\'s colour and policy links are checked wherever it is registered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'saoma-clients-'));
    writeFileSync(join(dir, 'clients.json'), JSON.stringify([{ client_id: 'shop', client_secret: 'x'.repeat(32), redirect_uris: ['https://shop.example/cb'], saoma_primary_color: '#fde047', policy_uri: 'not a url' }]));
    let problems: string[] = [];
    try { loadConfig({ CLIENTS_FILE: join(dir, 'clients.json') }); } catch (err) { problems = (err as ConfigError).problems; }
    assert.ok(problems.some((p) => /\[0\.saoma_primary_color\]: white button text on #fde047 has a contrast of 1\.\d\d:1/.test(p)), problems.join('\n'));
    assert.ok(problems.some((p: string) => /\[0\.policy_uri\]/.test(p)), problems.join('\n'));
    const admin = clientProblems({ client_name: 'Shop', redirect_uris: ['https://shop.example/cb'], saoma_primary_color: 'red', tos_uri: 'http://shop.example/terms' },
      { source: 'admin', production: true });
    assert.ok(admin.includes('saoma_primary_color: must be a colour written #rrggbb'), admin.join('\n'));
    assert.ok(admin.some((p) => p.startsWith('tos_uri:')), admin.join('\n'));
    assert.deepEqual(clientProblems({ client_name: 'Shop', redirect_uris: ['https://shop.example/cb'], saoma_primary_color: '#b42318', policy_uri: 'https://shop.example/p' },
      { source: 'admin', production: true }), []);
  });
});
