import { fail, ok, type Check } from '../check.ts';

/** Cookie signing keys come from COOKIE_KEYS; keys generated into the store are for development only. */
export const cookieKeys: Check = {
  id: 'cookie_keys',
  title: 'Cookie keys',
  async run({ config, production }) {
    const keys = config.env.COOKIE_KEYS ?? [];
    if (keys.length) return ok(`${keys.length} key${keys.length === 1 ? '' : 's'} from COOKIE_KEYS (each at least 32 characters)`);
    if (production) {
      return fail('COOKIE_KEYS is not set: production refuses to generate cookie keys', 'Set COOKIE_KEYS=$(openssl rand -base64 48) on every process (the same value everywhere; to rotate, put the new key first).');
    }
    const where = config.store.kind === 'memory' ? 'in memory (a restart signs everyone out)' : 'in the store';
    return ok(`not set: generated and kept ${where}, which is acceptable outside production only`);
  },
};
