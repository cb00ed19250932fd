import Bowser from 'bowser';

/** Where a login request comes from, in the words the confirm screen shows. */
export interface Requester {
  ip: string;
  browser: string;
  os: string;
  time: string;
}

/** Control characters (C0, DEL, C1) never reach the confirm screen. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]+/g;
const MAX_NAME = 64;

/**
 * The User-Agent is whatever the page's opener sent (absent, empty, 2 KB of junk, Latin-1 bytes,
 * control characters), so every shape must give a summary: names the parser does not know are
 * "unknown", never an error (bowser throws on an empty string).
 */
export function describeRequester(request: { ip: string; user_agent: string; time: number }): Requester {
  const agent = (request.user_agent ?? '').replace(CONTROL, ' ').trim();
  let parsed: Bowser.Parser.ParsedResult | undefined;
  try {
    parsed = agent ? Bowser.parse(agent) : undefined;
  } catch {
    parsed = undefined;
  }
  return {
    ip: request.ip,
    browser: name(parsed?.browser.name, parsed?.browser.version),
    os: name(parsed?.os.name, parsed?.os.versionName ?? parsed?.os.version),
    time: new Date(request.time).toISOString(),
  };
}

function name(product?: string, version?: string): string {
  const joined = [product, version?.split('.').slice(0, 2).join('.')].map((part) => part?.replace(CONTROL, ' ').trim()).filter(Boolean).join(' ');
  return joined.slice(0, MAX_NAME).trim() || 'unknown';
}
