import { customAlphabet } from 'nanoid';

/**
 * Ids saoma makes that people copy: into a shell (`saoma accounts show <sub>`), a URL, a log query.
 * Letters and digits only, so none begins with "-" (a command line reads that as an option) — which
 * nanoid's default alphabet allows one id in 64 to do.
 */
export const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An account's sub: 24 characters, ~142 bits. */
export const newSub = customAlphabet(ALPHANUMERIC, 24);

/** A client_id saoma chooses (admin API, command line, dynamic registration): 20 characters, ~119 bits. */
export const newClientId = customAlphabet(ALPHANUMERIC, 20);
