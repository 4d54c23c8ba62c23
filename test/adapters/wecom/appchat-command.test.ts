import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.ts';
import { main } from '../../../src/cli/index.ts';
import { startFakeWecom, type FakeWecom } from '../../fakes/wecom/fake-wecom-server.ts';
import { AES_KEY } from './wecom-harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');

function captureIo(env: NodeJS.ProcessEnv): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    stdin: new PassThrough(),
    env,
    cwd: ROOT,
    out: () => out,
    err: () => err,
  };
}

describe('bangban wecom appchat create (against the loopback fake WeCom)', () => {
  let fake: FakeWecom;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    fake = await startFakeWecom({ corpId: 'wwcli' });
    env = {
      WECOM_CORP_ID: 'wwcli',
      WECOM_AGENT_ID: '1000002',
      WECOM_SECRET: 'app-secret',
      WECOM_TOKEN: 'tok',
      WECOM_ENCODING_AES_KEY: AES_KEY,
      WECOM_API_BASE: fake.url,
    };
  });
  afterAll(() => fake.close());

  it('creates the group from the rota and prints the chat id and how to configure it', async () => {
    const io = captureIo(env);
    const code = await main(
      [
        'wecom',
        'appchat',
        'create',
        '--item',
        'preparation-registration',
        '--from-rota',
        '--chat-id',
        'prep01',
      ],
      io,
    );
    expect(io.err()).toBe('');
    expect(code).toBe(0);
    const [call] = fake.callsTo('appchat/create');
    expect(call!.body).toMatchObject({ name: '帮办·医疗机构制剂注册', chatid: 'prep01' });
    const userlist = call!.body!['userlist'] as string[];
    expect(userlist).toEqual(expect.arrayContaining(['ZhangWei', 'LiNa']));
    expect(call!.body!['owner']).toBe(userlist[0]);
    const lines = io.out().trim().split('\n');
    expect(lines.at(-1)).toBe('prep01');
    expect(io.out()).toContain('WECOM_APPCHAT_PREPARATION_REGISTRATION=prep01');
    expect(io.out()).toContain('appChatId: prep01');
  });

  it('takes --owner and --members; the owner joins the members; WeCom chooses the id when none is given', async () => {
    const io = captureIo(env);
    const code = await main(
      [
        'wecom',
        'appchat',
        'create',
        '--item',
        'preparation-registration',
        '--owner',
        'Boss',
        '--members',
        'A,B',
      ],
      io,
    );
    expect(code).toBe(0);
    const call = fake.callsTo('appchat/create').at(-1)!;
    expect(call.body).toMatchObject({ owner: 'Boss', userlist: ['Boss', 'A', 'B'] });
    expect(call.body).not.toHaveProperty('chatid');
    expect(io.out().trim().split('\n').at(-1)).toMatch(/^chat\d+$/);
  });

  it('a WeCom error is reported with its errcode and a hint, exit 1', async () => {
    fake.failNext('appchat/create', {
      errcode: 60011,
      errmsg: 'no privilege to access/modify contact/party/agent',
    });
    const io = captureIo(env);
    const code = await main(
      ['wecom', 'appchat', 'create', '--item', 'preparation-registration', '--members', 'A,B'],
      io,
    );
    expect(code).toBe(1);
    expect(io.err()).toMatch(/60011.*root department/);
  });

  it('bad usage exits 2 naming the problem, and nothing is created', async () => {
    const before = fake.callsTo('appchat/create').length;
    const cases: [string[], RegExp][] = [
      [['wecom', 'appchat', 'create', '--members', 'A,B'], /--item is required/],
      [['wecom', 'appchat', 'create', '--item', 'nope', '--members', 'A,B'], /unknown item nope/],
      [['wecom', 'appchat', 'create', '--item', 'preparation-registration', '--members', 'A'], /at least 2/],
      [
        [
          'wecom',
          'appchat',
          'create',
          '--item',
          'preparation-registration',
          '--members',
          'A,B',
          '--chat-id',
          'a-b',
        ],
        /--chat-id/,
      ],
      [['wecom', 'appchat', 'delete'], /expected `wecom appchat create`/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo(env);
      expect(await main(args, io)).toBe(2);
      expect(io.err()).toMatch(message);
    }
    const off = captureIo({});
    expect(
      await main(
        ['wecom', 'appchat', 'create', '--item', 'preparation-registration', '--members', 'A,B'],
        off,
      ),
    ).toBe(2);
    expect(off.err()).toMatch(/WeCom is not configured.*WECOM_CORP_ID/s);
    expect(fake.callsTo('appchat/create')).toHaveLength(before);
  });

  it('--help explains the command', async () => {
    const io = captureIo(env);
    expect(await main(['wecom', 'appchat', 'create', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: bangban wecom appchat create');
  });
});
