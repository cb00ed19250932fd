import type { Prng } from './prng.ts';

/**
 * Hostile values, as an attacker or a broken client sends them: odd unicode, control characters,
 * overlong strings, wrong types, deep and huge JSON, broken encodings.
 */
const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f';

export function oddString(rng: Prng): string {
  switch (rng.int(0, 24)) {
    case 0: return '';
    case 1: return ' ';
    case 2: return rng.pick(['null', 'undefined', 'NaN', 'true', '[]', '{}', '0', '-1', '1e309', '0x10']);
    case 3: return rng.string(rng.int(1, 12), CONTROL);
    case 4: return `a\u0000b`;
    case 5: return rng.pick(['\u202eevil\u202c', '\u200b\u200c\u200d\ufeff', 'e\u0301\u0301\u0301', '\ud800', '\udfff\ud800', '😀👨‍👩‍👧‍👦', '扫码登录', 'ﷺ', '\u{10ffff}', 'İı']);
    case 6: return 'a'.repeat(rng.pick([31, 32, 33, 64, 65, 128, 129, 512, 513, 1025, 4097]));
    case 7: return rng.string(rng.pick([20, 32, 100, 3000, 20_000]), 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    case 8: return rng.pick(["' OR 1=1 --", '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '${jndi:ldap://x/a}', '{{7*7}}', '<%= 7*7 %>', '%s%s%n', '\\', '\\u0000']);
    case 9: return rng.pick(['../../etc/passwd', '..%2f..%2fetc%2fpasswd', '/\\evil.example', '//evil.example/x', 'file:///etc/passwd', 'javascript:alert(1)', 'data:text/html,x']);
    case 10: return rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf']);
    case 11: return rng.pick(['http://evil.example/callback', 'https://evil.example', 'http://127.0.0.1:9/callback#x', 'http://127.0.0.1:9/callback?x=1', 'http://user:pw@127.0.0.1:9/callback', 'HTTP://127.0.0.1:9/CALLBACK', 'http://[::1]:9/callback', 'https://*.example/']);
    case 12: return rng.pick(['%', '%%', '%zz', '%00', '%ff%fe', '%c0%af', '+', '&', '=', ';', '#', '?']);
    case 13: return rng.string(rng.int(1, 40), '!#$&\'()*+,/:;=?@._~-');
    case 14: return rng.string(rng.int(1, 200), '\u00a0\u00e9\u00ff\u0100\u4e00\u3042\u0627\u05d0\u0e01\u1f600'.normalize());
    case 15: return 'x\r\nSet-Cookie: evil=1';
    case 16: return rng.pick(['eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'a.b.c', '...', 'eyJ']);
    case 17: return String(rng.pick([Number.MAX_SAFE_INTEGER, -1, 0, 2 ** 31, 1.5, -0]));
    case 18: return rng.pick(['pending', 'scanned', 'confirmed', 'cancelled', 'expired', 'consumed', 'PENDING']);
    default: return rng.string(rng.int(1, 40), 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~');
  }
}

/** A JSON value of the wrong kind, or an odd one of the right kind. */
export function oddValue(rng: Prng, depth = 0): unknown {
  switch (rng.int(0, 12)) {
    case 0: return null;
    case 1: return rng.pick([0, -1, 1.5, 1e308, -1e-308, 2 ** 53 + 1, 123456789012345]);
    case 2: return rng.chance(0.5);
    case 3: return [];
    case 4: return {};
    case 5: return depth < 3 ? [oddValue(rng, depth + 1), oddValue(rng, depth + 1)] : ['x'];
    case 6: return depth < 3 ? { [oddString(rng)]: oddValue(rng, depth + 1) } : { a: 1 };
    case 7: return deep(rng.int(10, 400), rng.chance(0.5));
    default: return oddString(rng);
  }
}

/** An array or object nested `depth` times (kept shallow enough for JSON.stringify's recursion). */
export function deep(depth: number, arrays: boolean): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
}

/** The JSON text of an array or object nested `depth` times, however deep. */
export function deepText(depth: number, arrays: boolean): string {
  return arrays ? `${'['.repeat(depth)}"bottom"${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/**
 * A body built from `fields` (a plausible request), then broken: fields given odd values, removed,
 * added, duplicated; the JSON text cut, padded past every limit, nested deeply, or made invalid UTF-8.
 */
export function jsonBody(rng: Prng, fields: Record<string, unknown>): Buffer {
  const value: Record<string, unknown> = { ...fields };
  const names = Object.keys(value);
  for (let n = rng.int(0, 3); n > 0 && names.length; n--) {
    const name = rng.pick(names);
    if (rng.chance(0.2)) delete value[name];
    else value[name] = oddValue(rng);
  }
  if (rng.chance(0.15)) value[oddString(rng)] = oddValue(rng);
  let text = JSON.stringify(value);
  switch (rng.int(0, 14)) {
    case 0: text = text.slice(0, rng.int(0, text.length - 1)); break;
    case 1: text = text.replace(/}$/, ',}'); break;
    case 2: text = JSON.stringify(rng.pick([[], [value], 'text', 42, null, true])); break;
    case 3: text = JSON.stringify({ ...value, pad: 'p'.repeat(rng.pick([15_000, 17_000, 70_000, 200_000])) }); break;
    case 4: text = deepText(rng.pick([500, 3000, 7000, 12_000, 100_000]), rng.chance(0.5)); break;
    case 5: text = text.replace(/^{/, `{"${names[0] ?? 'a'}":1,`); break; // a duplicate key
    case 6: text = `\ufeff${text}`; break;
    case 7: text = text.replaceAll('"', "'"); break;
    case 8: text = `${text}${text}`; break;
    case 9: return Buffer.concat([Buffer.from(text.slice(0, -1)), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('}')]);
    case 10: text = '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}'; break;
    case 11: text = rng.pick(['', ' ', 'null', '{', '}', '[', '{"a":', '{"a":1}}', 'NaN', '1e999999']); break;
    default: break;
  }
  return Buffer.from(text);
}

/** A form body from `fields`, broken the same ways: odd values, duplicates, raw bytes, oversized. */
export function formBody(rng: Prng, fields: Record<string, string>): Buffer {
  const pairs: [string, string][] = Object.entries(fields);
  for (let n = rng.int(0, 3); n > 0 && pairs.length; n--) {
    const i = rng.int(0, pairs.length - 1);
    if (rng.chance(0.2)) pairs.splice(i, 1);
    else pairs[i] = [pairs[i]![0], oddString(rng)];
  }
  if (rng.chance(0.1) && pairs.length) pairs.push(pairs[0]!); // a duplicate parameter
  if (rng.chance(0.1)) pairs.push([oddString(rng), oddString(rng)]);
  let text = new URLSearchParams(pairs).toString();
  switch (rng.int(0, 9)) {
    case 0: text = `${text}&${'x'.repeat(rng.pick([20_000, 70_000, 200_000]))}=1`; break;
    case 1: text = `${text}&%zz=%`; break;
    case 2: return Buffer.concat([Buffer.from(text), Buffer.from([0xff, 0x00, 0xfe])]);
    case 3: text = rng.pick(['', '&&&', '=', '==&==', 'a[b]=1&a[c]=2', 'a=1;b=2']); break;
    default: break;
  }
  return Buffer.from(text);
}

export const BROWSER_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A User-Agent header: absent (undefined), empty, blank, huge, latin-1, WeChat's, a bot's. */
export function userAgent(rng: Prng): string | undefined {
  switch (rng.int(0, 11)) {
    case 0: return undefined;
    case 1: return '';
    case 2: return ' ';
    case 3: return '\t \t';
    case 4: return 'M'.repeat(rng.pick([512, 2048, 8000]));
    case 5: return 'Mozilla/5.0 (caf\u00e9; \u00ff\u00fe) Gecko/20100101 Firefox/128.0';
    case 6: return 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN';
    case 7: return rng.pick(['curl/8.5.0', 'python-requests/2.31', 'Googlebot/2.1', '-', '()', 'Mozilla/5.0 (', '/', 'Mozilla/5.0 (X11; Linux x86_64; rv:0.0) Gecko/0 Firefox/999999999999999999999']);
    case 8: return 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
    default: return BROWSER_UA;
  }
}

/** A forged or odd X-Forwarded-For (the app under test trusts it). */
export function forwardedFor(rng: Prng): string {
  return rng.pick(['garbage', '', ' , , ', '1.2.3.4, 5.6.7.8, 9.9.9.9', '::1', '::ffff:127.0.0.1', '999.999.999.999', '127.0.0.1', `${'1.1.1.1, '.repeat(200)}2.2.2.2`, 'fe80::1%eth0', 'unknown', '"1.2.3.4"', '1.2.3.4:5678', '[::1]:80']);
}

export function origin(rng: Prng, issuer: string): string {
  return rng.pick(['null', 'https://evil.example', issuer, `${issuer}.evil.example`, 'http://127.0.0.1', 'garbage', '', 'file://', `${issuer}/`, 'HTTPS://EVIL.EXAMPLE']);
}

/** A Cookie header: garbage, oversized, forged signatures, or a real one borrowed from another page. */
export function cookie(rng: Prng, real: string[]): string {
  switch (rng.int(0, 7)) {
    case 0: return '';
    case 1: return '=; ;;=;';
    case 2: return `_interaction=${oddString(rng).replace(/[;\r\n]/g, '')}; _interaction.sig=forged`;
    case 3: return `_session=${'A'.repeat(rng.pick([100, 4000]))}; _session.sig=x; _session.legacy=y`;
    case 4: return real.length ? rng.pick(real) : 'a=b';
    case 5: return `lang=${rng.pick(['xx', 'en', 'zh-CN', '../../', '%00'])}; lang=en`;
    case 6: return Array.from({ length: 50 }, (_, i) => `c${i}=${i}`).join('; ');
    default: return `demo_sid=${oddString(rng).replace(/[;\r\n]/g, '')}`;
  }
}
