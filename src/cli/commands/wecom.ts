import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import type { Clock } from '../../ports.ts';
import { CliUsageError, wantsHelp, type CliCommand, type CliIo } from '../command.ts';

const help = `Usage: bangban wecom appchat create --item <item-id> [--owner <userid>] [--members <userid,…> | --from-rota]
                                  [--name <group name>] [--chat-id <id>] [--config <file>]

Creates a WeCom app group chat (appchat/create) for a service item: reminders, breach escalations
and new questions of that item are then also posted there, with an @mention of the helper.

Options:
  --item <id>        the service item (items[].id in the config)
  --members <ids>    WeCom userids, comma-separated (repeatable); at least 2 people with the owner
  --from-rota        the item's helpers and backups in the rota (their staff[].identities.wecom)
  --owner <userid>   the group's owner (default: the first member); added to the members if missing
  --name <name>      group name, ≤ 50 characters (default: 帮办·<item name>)
  --chat-id <id>     the chatid to create, 1–32 letters and digits (default: WeCom chooses one)
  --config <file>    config file (default: $BANGBAN_CONFIG, else config/default.yaml)
  -h, --help         show this help

Needs the WeCom variables (WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_SECRET, WECOM_TOKEN,
WECOM_ENCODING_AES_KEY; WECOM_API_BASE for a test server). The app must be a self-built app whose
visible range is the root department (otherwise WeCom answers 60011). WeCom allows 1000 new chats a
day per corp. The last line printed is the chat id.

Examples:
  bangban wecom appchat create --item preparation-registration --from-rota
  bangban wecom appchat create --item device-registration --owner ZhangWei --members LiNa,ChenJing
`;

export interface WecomCommandDeps {
  clock: Clock;
}

const CHAT_ID = /^[0-9A-Za-z]{1,32}$/;

/** The item's helpers and backups in the rota, as WeCom userids (staff without one are skipped). */
function rotaMembers(config: Config, itemId: string): { userIds: string[]; without: string[] } {
  const staffIds = [
    ...new Set(
      config.rota.shifts.filter((s) => s.item === itemId).flatMap((s) => [...s.primary, ...s.backup]),
    ),
  ];
  const userIds: string[] = [];
  const without: string[] = [];
  for (const id of staffIds) {
    const wecom = config.staff.find((s) => s.id === id)?.identities.wecom;
    if (wecom) userIds.push(wecom);
    else without.push(id);
  }
  return { userIds, without };
}

export function createWecomCommand(deps: WecomCommandDeps = { clock: systemClock }): CliCommand {
  return {
    name: 'wecom',
    summary: 'WeCom (企业微信) setup: create an item’s app group chat',
    help,
    async run(args, io: CliIo) {
      if (wantsHelp(args)) {
        io.stdout.write(help);
        return 0;
      }
      const { values, positionals } = parseArgs({
        args,
        options: {
          item: { type: 'string' },
          owner: { type: 'string' },
          members: { type: 'string', multiple: true },
          'from-rota': { type: 'boolean', default: false },
          name: { type: 'string' },
          'chat-id': { type: 'string' },
          config: { type: 'string' },
        },
        strict: true,
        allowPositionals: true,
      });
      if (positionals.join(' ') !== 'appchat create')
        throw new CliUsageError(`expected \`wecom appchat create\`; run \`bangban wecom --help\``);
      const config = loadConfig({ env: io.env, file: values.config, cwd: io.cwd });
      if (!values.item) throw new CliUsageError('--item is required');
      const item = config.items.find((i) => i.id === values.item);
      if (!item)
        throw new CliUsageError(
          `unknown item ${values.item}; expected one of ${config.items.map((i) => i.id).join(', ')}`,
        );
      const listed = (values.members ?? [])
        .flatMap((m) => m.split(','))
        .map((m) => m.trim())
        .filter(Boolean);
      if (listed.length > 0 && values['from-rota'])
        throw new CliUsageError('give either --members or --from-rota, not both');
      let members = listed;
      if (values['from-rota']) {
        const rota = rotaMembers(config, item.id);
        if (rota.without.length > 0)
          io.stderr.write(`note: skipped staff without a WeCom userid: ${rota.without.join(', ')}\n`);
        members = rota.userIds;
      }
      const owner = values.owner ?? members[0];
      if (!owner) throw new CliUsageError('give --members (or --from-rota) and/or --owner');
      const userIds = [...new Set([owner, ...members])];
      if (userIds.length < 2) throw new CliUsageError('a WeCom group chat needs at least 2 members');
      if (userIds.length > 2000) throw new CliUsageError('a WeCom group chat has at most 2000 members');
      const name = values.name ?? `帮办·${item.name}`;
      if ([...name].length > 50) throw new CliUsageError('--name: at most 50 characters');
      const chatId = values['chat-id'];
      if (chatId !== undefined && !CHAT_ID.test(chatId))
        throw new CliUsageError('--chat-id: 1–32 letters and digits');

      const { readWecomSettings, itemEnvSuffix } = await import('../../../adapters/wecom/wecom-settings.ts');
      const read = readWecomSettings(
        io.env,
        config.items.map((i) => i.id),
        config.wecom,
      );
      if (!read.enabled) {
        const problems = 'reason' in read ? [read.reason] : read.errors;
        throw new CliUsageError(`WeCom is not configured:\n  ${problems.join('\n  ')}`);
      }
      const { settings } = read;
      const { WecomApiClient } = await import('../../../adapters/wecom/api-client.ts');
      const { WecomApiError, WecomNetworkError } = await import('../../../adapters/wecom/api-errors.ts');
      const client = new WecomApiClient({
        apiBase: settings.apiBase,
        corpId: settings.corpId,
        agentId: settings.agentId,
        secret: settings.secret,
        clock: deps.clock,
      });
      let created: string;
      try {
        created = await client.createAppChat({ name, owner, userIds, ...(chatId ? { chatId } : {}) });
      } catch (error) {
        if (error instanceof WecomNetworkError) {
          io.stderr.write(`bangban wecom: ${error.message}\n`);
          return 1;
        }
        if (!(error instanceof WecomApiError)) throw error;
        const hint =
          error.errcode === 60011
            ? ' (the app’s visible range must be the root department)'
            : error.errcode === 86215
              ? ' (a chat with this chatid exists already)'
              : '';
        io.stderr.write(`bangban wecom: ${error.message}${hint}\n`);
        return 1;
      }
      if (!created) {
        io.stderr.write('bangban wecom: appchat/create answered without a chatid\n');
        return 1;
      }
      io.stdout.write(
        [
          `Created the WeCom group chat “${name}” for ${item.id} (owner ${owner}, ${userIds.length} members).`,
          'Configure it (either):',
          `  config file:  wecom: { groups: [ { item: ${item.id}, appChatId: ${created} } ] }`,
          `  environment:  WECOM_APPCHAT_${itemEnvSuffix(item.id)}=${created}   (wins over the file)`,
          'then restart bangban.',
          created,
          '',
        ].join('\n'),
      );
      return 0;
    },
  };
}

export const wecomCommand = createWecomCommand();
