import Bowser from 'bowser';

/** Where a login request comes from, in the words the confirm screen shows. */
export interface Requester {
  ip: string;
  browser: string;
  os: string;
  time: string;
}

export function describeRequester(request: { ip: string; user_agent: string; time: number }): Requester {
  const parsed = Bowser.parse(request.user_agent || '');
  const join = (name?: string, version?: string) => [name, version?.split('.').slice(0, 2).join('.')].filter(Boolean).join(' ') || 'unknown';
  return {
    ip: request.ip,
    browser: join(parsed.browser.name, parsed.browser.version),
    os: join(parsed.os.name, parsed.os.versionName ?? parsed.os.version),
    time: new Date(request.time).toISOString(),
  };
}
