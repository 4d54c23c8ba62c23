import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { msgSignature } from '../../../adapters/wecom/crypto.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createBangban, type Bangban } from '../../../src/main.ts';
import type { RunningServer } from '../../../src/http/server.ts';
import { repoRoot } from '../../config/fixtures.ts';
import { startFakeWechat, type FakeWechat } from '../../fakes/wechat/fake-wechat-server.ts';
import { waitFor } from '../../http/test-app.ts';
import {
  ACCOUNT,
  APP_ID,
  APP_SECRET,
  nextMsgId,
  replyText,
  signedPush,
  TOKEN,
  wechatOaEnv,
  type Fields,
  type Mode,
} from './wechat-oa-harness.ts';

/**
 * The whole server (createBangban: real KB, flows, outbox, HTTP) with the WeChat OA platform switched
 * on by its environment variables against the loopback fake WeChat API.
 */
describe('WeChat Official Account through createBangban', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'bangban-oa-e2e-'));
  let fake: FakeWechat;
  let bangban: Bangban;
  let server: RunningServer;

  beforeAll(async () => {
    fake = await startFakeWechat({ appId: APP_ID, secret: APP_SECRET });
    const config = loadConfig({
      env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
      cwd: repoRoot,
    });
    bangban = await createBangban({ config, env: wechatOaEnv(fake), demo: true });
    server = await bangban.listen();
  }, 60_000);
  afterAll(async () => {
    await bangban?.close();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const seconds = () => String(Math.floor(Date.now() / 1000));
  const push = async (fields: Fields, mode: Mode) => {
    const signed = signedPush(fields, { mode, timestamp: seconds() });
    const response = await fetch(`${server.url}/callbacks/wechat-oa?${signed.query}`, {
      method: 'POST',
      headers: { 'Content-Type': signed.type },
      body: signed.body,
    });
    expect(response.status).toBe(200);
    return replyText(await response.text(), mode);
  };
  const text = (openId: string, content: string): Fields => {
    fake.citizenWrote(openId);
    return {
      ToUserName: ACCOUNT,
      FromUserName: openId,
      CreateTime: Number(seconds()),
      MsgType: 'text',
      Content: content,
      MsgId: nextMsgId(),
    };
  };

  it('answers the GET server verification', async () => {
    const timestamp = seconds();
    const query = new URLSearchParams({
      signature: msgSignature(TOKEN, timestamp, 'abc'),
      timestamp,
      nonce: 'abc',
      echostr: '7133958329',
    });
    const response = await fetch(`${server.url}/callbacks/wechat-oa?${query}`);
    expect(await response.text()).toBe('7133958329');
  });

  it.each<Mode>(['plaintext', 'compatible', 'safe'])(
    'a citizen text gets the KB answer as a passive reply (%s mode)',
    async (mode) => {
      const question = '二类医疗器械注册证有效期几年';
      const expected = bangban.kb.answer(question, { channel: 'wechat_oa' });
      expect(expected.decision).toBe('answer');
      const reply = await push(text(`o-e2e-${mode}`, question), mode);
      expect(reply).toContain((expected as { text: string }).text.slice(0, 20));
      expect(fake.sent(`o-e2e-${mode}`)).toHaveLength(0);
    },
  );

  it('转人工 → menu click picks the item → the helper’s later reply arrives by custom send', async () => {
    const openId = 'o-e2e-human';
    expect(await push(text(openId, '转人工'), 'safe')).toContain('请问您咨询的是哪个事项');
    fake.citizenClicked(openId);
    const click: Fields = {
      ToUserName: ACCOUNT,
      FromUserName: openId,
      CreateTime: Number(seconds()),
      MsgType: 'event',
      Event: 'CLICK',
      EventKey: 'item:device-registration',
    };
    expect(await push(click, 'safe')).toBeTruthy();
    const conversation = await waitFor(async () =>
      (await bangban.flows.listOpen({ all: true })).find((c) => c.channel === 'wechat_oa' && c.assigneeId),
    );
    expect(conversation.itemId).toBe('device-registration');
    const answer = await bangban.flows.staffInput({
      staffId: conversation.assigneeId!,
      text: '您好，第二类医疗器械注册请先准备产品技术要求。',
      conversationId: conversation.id,
    });
    expect(answer.ok).toBe(true);
    const sent = await waitFor(() => (fake.sent(openId).length > 0 ? fake.sent(openId) : undefined), 10_000);
    expect(sent).toEqual([
      {
        touser: openId,
        msgtype: 'text',
        text: { content: '您好，第二类医疗器械注册请先准备产品技术要求。' },
      },
    ]);
  });
});
