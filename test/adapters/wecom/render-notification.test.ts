import { describe, expect, it } from 'vitest';
import { renderNotification, taskIdFor } from '../../../adapters/wecom/render-notification.ts';
import type { ConversationSummary } from '../../../src/ports.ts';

const NOW = new Date('2026-11-27T02:00:20Z');
const conversation: ConversationSummary = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  code: 'K7Q2',
  channel: 'wecom_kf',
  itemId: 'preparation-registration',
  itemName: '医疗机构制剂注册',
  state: 'queued',
  assigneeId: null,
  assigneeName: null,
  createdAt: new Date('2026-11-27T01:59:00Z'),
  handoffAt: new Date('2026-11-27T02:00:00Z'),
  slaDueAt: new Date('2026-11-27T02:01:00Z'),
  firstHumanResponseAt: null,
  preview: '制剂注册需要哪些材料？',
};

describe('renderNotification', () => {
  it('a claimable question is a card with item, question, waiting time and deadline, and 接单/转派', () => {
    const [output] = renderNotification(
      { type: 'new_conversation', conversation, claimable: true },
      NOW,
      'k1',
    );
    expect(output).toEqual({
      kind: 'app_card',
      conversationId: conversation.id,
      card: expect.objectContaining({
        card_type: 'button_interaction',
        main_title: { title: '新的帮办咨询 #K7Q2', desc: '医疗机构制剂注册' },
        sub_title_text: '咨询：制剂注册需要哪些材料？',
        horizontal_content_list: [
          { keyname: '事项', value: '医疗机构制剂注册' },
          { keyname: '已等待', value: '20 秒' },
          { keyname: '回复期限', value: '10:01:00 前' },
        ],
        task_id: taskIdFor('k1'),
        button_list: [
          { text: '接单', style: 1, key: `claim:${conversation.id}` },
          { text: '转派', style: 2, key: `transfer:${conversation.id}` },
        ],
      }),
    });
  });

  it('task ids are valid for WeCom and stable per key', () => {
    expect(taskIdFor('k1')).toMatch(/^[0-9A-Za-z_\-@]{1,128}$/);
    expect(taskIdFor('k1')).toBe(taskIdFor('k1'));
    expect(taskIdFor('k1')).not.toBe(taskIdFor('k2'));
  });

  it('a claim by someone else rewrites the card, with a text when no card can be rewritten', () => {
    expect(
      renderNotification({ type: 'claimed', conversation, byStaffId: 'zhang-wei', byName: '张三' }, NOW, 'k'),
    ).toEqual([
      {
        kind: 'card_update',
        conversationId: conversation.id,
        replaceName: '已由 张三 接单',
        fallbackText: '#K7Q2（医疗机构制剂注册） 已由 张三 接单。',
      },
    ]);
  });

  it('reminders and breaches also go to the item group with an @mention', () => {
    const reminder = renderNotification(
      { type: 'reminder', level: 1, conversation, secondsLeft: 30 },
      NOW,
      'k',
    );
    expect(reminder).toEqual([
      { kind: 'app_text', text: expect.stringContaining('还剩 30 秒') },
      {
        kind: 'group_text',
        itemId: 'preparation-registration',
        text: expect.stringContaining('#K7Q2'),
        mention: true,
      },
    ]);
    const breach = renderNotification(
      { type: 'breach', conversation, previousAssigneeId: 'zhang-wei' },
      NOW,
      'k',
    );
    expect(breach.map((o) => o.kind)).toEqual(['app_text', 'group_text']);
  });

  it('a citizen message carries its media when it can be forwarded', () => {
    const outputs = renderNotification(
      { type: 'citizen_message', conversation, text: '[图片]', messageId: 7 },
      NOW,
      'k',
      { mediaType: 'image', mediaId: 'MEDIA' },
    );
    expect(outputs).toEqual([
      { kind: 'app_text', text: '#K7Q2（医疗机构制剂注册） 服务对象：[图片]' },
      { kind: 'app_media', mediaType: 'image', mediaId: 'MEDIA' },
    ]);
  });
});
