import { parseArgs } from 'node:util';
import { buildMenu } from '../../../adapters/wechat-oa/menu.ts';
import { readWechatOaSettings } from '../../../adapters/wechat-oa/wechat-oa-settings.ts';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/index.ts';
import type { Clock } from '../../ports.ts';
import { CliUsageError, type CliCommand } from '../command.ts';

const help = `Usage: bangban wechat-oa menu push [options]

The WeChat Official Account (公众号).

Subcommands:
  menu push      create the account's custom menu from the config (wechatOa.menu): a sub-menu
                 of service items (a click picks the item for the citizen's conversation),
                 转人工, and the 办事指南 link. Replaces the menu the account has.

Options:
  --dry-run      print the menu as JSON and do not call WeChat
  --config <file>  config file (default: $BANGBAN_CONFIG, else config/default.yaml)
  -h, --help     show this help

Environment: WECHAT_OA_APP_ID, WECHAT_OA_APP_SECRET, WECHAT_OA_TOKEN (as for the server) and
WECHAT_API_BASE (default https://api.weixin.qq.com). The server's IP must be in the account's IP
whitelist (otherwise WeChat answers 40164).

Examples:
  bangban wechat-oa menu push --dry-run
  bangban wechat-oa menu push
`;

export interface WechatOaCommandDeps {
  clock: Clock;
}

export function createWechatOaCommand(deps: WechatOaCommandDeps = { clock: systemClock }): CliCommand {
  return {
    name: 'wechat-oa',
    summary: 'WeChat Official Account: push the custom menu',
    help,
    async run(args, io) {
      let parsed;
      try {
        parsed = parseArgs({
          args,
          options: {
            config: { type: 'string' },
            'dry-run': { type: 'boolean' },
            help: { type: 'boolean', short: 'h' },
          },
          allowPositionals: true,
          strict: true,
        });
      } catch (error) {
        throw new CliUsageError(`${(error as Error).message}\nRun 'bangban wechat-oa --help' for usage.`);
      }
      if (parsed.values.help) {
        io.stdout.write(help);
        return 0;
      }
      const [group, action, ...extra] = parsed.positionals;
      if (group !== 'menu' || action !== 'push')
        throw new CliUsageError(
          `expected 'menu push', got '${[group, action].filter(Boolean).join(' ') || '(nothing)'}'; run 'bangban wechat-oa --help'`,
        );
      if (extra.length > 0) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
      const config = loadConfig({
        env: io.env,
        cwd: io.cwd,
        ...(parsed.values.config ? { file: parsed.values.config } : {}),
      });
      const menu = buildMenu(config);
      if (!menu.ok) throw new CliUsageError(`the menu cannot be built:\n  ${menu.errors.join('\n  ')}`);
      if (parsed.values['dry-run']) {
        io.stdout.write(`${JSON.stringify({ button: menu.buttons }, null, 2)}\n`);
        return 0;
      }
      const read = readWechatOaSettings(io.env);
      if (!read.enabled)
        throw new CliUsageError(
          'reason' in read ? read.reason : `invalid settings:\n  ${read.errors.join('\n  ')}`,
        );
      const { settings } = read;
      // Loaded only here: the HTTP client is not needed for --help or --dry-run.
      const { WechatApiClient } = await import('../../../adapters/wechat-oa/api-client.ts');
      const client = new WechatApiClient({
        apiBase: settings.apiBase,
        appId: settings.appId,
        appSecret: settings.appSecret,
        clock: deps.clock,
      });
      try {
        await client.createMenu(menu.buttons);
      } catch (error) {
        io.stderr.write(`bangban wechat-oa: menu/create failed: ${(error as Error).message}\n`);
        return 1;
      }
      const items = menu.buttons[0]?.sub_button?.map((b) => b.name).join('、') ?? '';
      io.stdout.write(`menu pushed to ${settings.appId}: ${menu.buttons.map((b) => b.name).join(' | ')}\n`);
      io.stdout.write(`service items: ${items}\n`);
      return 0;
    },
  };
}

export const wechatOaCommand = createWechatOaCommand();
