import { fail, ok, type Check } from '../check.ts';

/** The configuration loads as saoma would load it at start (all problems at once, as saoma reports them). */
export const configuration: Check = {
  id: 'config',
  title: 'Configuration',
  async run({ config, production, configProblems }) {
    if (configProblems.length) {
      return fail(
        `saoma would refuse to start: ${configProblems.join('; ')}`,
        'Fix each problem named here (docs/configuration.md lists every variable); the lines below check the rest as far as they can.',
      );
    }
    const clients = config.clients.length;
    return ok(`loads (NODE_ENV=${config.env.NODE_ENV}${production ? '' : ', development rules'}; ${clients} website${clients === 1 ? '' : 's'} in ${config.env.CLIENTS_FILE})`);
  },
};
