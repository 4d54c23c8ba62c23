import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/index.ts';
import { onShutdownSignals } from '../../http/server.ts';
import { createBangban } from '../../main.ts';
import { CliUsageError, type CliCommand } from '../command.ts';

const HELP = `Usage: bangban start [--config <file>] [--demo [--with-fakes]]

Starts the bangban server: migrates the database, loads the demo data on an empty database,
runs the timers and the outbox, and serves HTTP until SIGTERM or Ctrl-C.

Options:
  --config <file>  configuration file (default: $BANGBAN_CONFIG, else config/default.yaml)
  --demo           demo mode (what \`npm start\` runs): every item is staffed around the clock so
                   the flow can be tried at night, and the start page offers one-click desk logins
                   for the demo staff. Never use it in production.
  --with-fakes     with --demo: start loopback fakes of the platforms whose variables are not set
                   (WeCom, DingTalk, WeChat Official Account, 12345; see src/cli/demo-fakes.ts)
                   and switch those platforms on against them, so cards, replies and tickets can
                   be watched without real accounts. Off by default to keep \`npm start\` fast;
                   BANGBAN_DEMO_FAKES=1 is the same.

Environment:
  PORT          HTTP port (default 3000)
  HOST          interface to listen on (default 127.0.0.1; 0.0.0.0 in containers)
  DATA_DIR      data folder (default ./data); the embedded database lives in <DATA_DIR>/pg
  DATABASE_URL  PostgreSQL server; unset means the embedded database (PGlite)
  BANGBAN_DEMO  1 = the same as --demo
  WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN, WECOM_ENCODING_AES_KEY
                switch WeCom (企业微信) on; optional WECOM_KF_SECRET (微信客服), WECOM_API_BASE,
                WECOM_MAX_CLOCK_SKEW_SECONDS, WECOM_ROBOT_WEBHOOK_<ITEM>, WECOM_APPCHAT_<ITEM>
                (see adapters/wecom/README.md); without them WeCom is off and the log says so
  BANGBAN_DESK_SECRET  key (≥ 32 characters) that signs desk login tokens; default: a random key
                kept in <DATA_DIR>/desk-login.key
  LOG_LEVEL     fatal | error | warn | info | debug | trace | silent (default info)
`;

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'Run the server (embedded PostgreSQL unless DATABASE_URL is set)',
  help: HELP,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        demo: { type: 'boolean', default: false },
        'with-fakes': { type: 'boolean', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    const config = loadConfig({ env: io.env, file: values.config, cwd: io.cwd });
    const demo = values.demo === true || io.env.BANGBAN_DEMO === '1';
    const withFakes = values['with-fakes'] === true || io.env.BANGBAN_DEMO_FAKES === '1';
    if (withFakes && !demo) throw new CliUsageError('--with-fakes works only with --demo');
    // Loaded only when asked: the fakes live under test/ (see demo-fakes.ts).
    const fakes = withFakes ? await (await import('../demo-fakes.ts')).startDemoFakes(io.env) : null;
    let bangban: Awaited<ReturnType<typeof createBangban>>;
    try {
      bangban = await createBangban({ config, demo, env: { ...io.env, ...fakes?.env } });
    } catch (error) {
      await fakes?.close();
      throw error;
    }
    // The signal handlers go in before anything is printed: whoever reads "Press Ctrl-C" may stop
    // us at once, and a SIGTERM before the handlers exist would kill the process without closing.
    const listening = bangban.listen();
    const stopped = new Promise<void>((resolve) => {
      onShutdownSignals(
        async () => {
          await listening.catch(() => undefined);
          await bangban.close();
          await fakes?.close();
          resolve();
        },
        { logger: bangban.logger },
      );
    });
    const server = await listening;
    io.stdout.write(
      [
        `bangban is running on ${server.url} (database: ${bangban.database.kind} at ${bangban.database.location})`,
        `  start page: ${server.url}/   (widget demo: ${server.url}/demo, staff desk: ${server.url}/desk)`,
        `  health:  ${server.url}/healthz    metrics: ${server.url}/metrics`,
        ...(demo
          ? ['  demo mode: every item is staffed around the clock; one-click desk logins on the start page']
          : []),
        ...(fakes ? fakes.lines.map((line) => `  demo fake: ${line}`) : []),
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    // Stays alive until a signal; the handler closes everything, then the process exits.
    await stopped;
    return 0;
  },
};
