import { describe, expect, it } from 'vitest';
import { renderNotification, sendMessageLink } from '../../../adapters/dingtalk/render-notification.ts';
import type { ConversationSummary, StaffNotification } from '../../../src/ports.ts';

const now = new Date('2026-11-27T02:00:20Z');
const c: ConversationSummary = {
  id: 'conv-1',
  code: 'K7Q2',
  channel: 'webchat',
  itemId: 'preparation-registration',
  itemName: '医疗机构制剂注册',
  state: 'assigned',
  assigneeId: 'zhang-wei',
  assigneeName: '张伟',
  createdAt: new Date('2026-11-27T01:59:00Z'),
  handoffAt: new Date('2026-11-27T02:00:00Z'),
  slaDueAt: new Date('2026-11-27T02:01:00Z'),
  firstHumanResponseAt: null,
  preview: '制剂注册需要**哪些**材料？',
};

describe('DingTalk rendering of every StaffNotification', () => {
  it('new claimable question and assignments: an actionCard whose 接单 link sends "接单 <code>"', () => {
    const [card] = renderNotification({ type: 'new_conversation', conversation: c, claimable: true }, now);
    expect(card).toMatchObject({ kind: 'card', title: '新的帮办咨询 #K7Q2', buttonTitle: '接单' });
    if (card?.kind !== 'card') throw new Error('card expected');
    expect(card.buttonUrl).toBe('dtmd://dingtalkclient/sendMessage?content=%E6%8E%A5%E5%8D%95%20K7Q2');
    expect(card.markdown).toContain('已等待：20 秒');
    expect(card.markdown).toContain('回复期限：10:01:00 前');
    // Markup in the citizen's text cannot restyle the card.
    expect(card.markdown).toContain('咨询：制剂注册需要 哪些 材料？');
    for (const [by, title] of [
      ['rota', '分配给您的咨询'],
      ['transfer', '转派给您的咨询'],
      ['escalation', '超时转派给您的咨询'],
    ] as const)
      expect(renderNotification({ type: 'assigned', conversation: c, by }, now)[0]).toMatchObject({
        title: `${title} #K7Q2`,
      });
    expect(renderNotification({ type: 'assigned', conversation: c, by: 'claim' }, now)).toEqual([]);
    expect(renderNotification({ type: 'new_conversation', conversation: c, claimable: false }, now)).toEqual([
      { kind: 'text', text: '新咨询 #K7Q2（医疗机构制剂注册） 已自动分配给值班帮办人员。' },
    ]);
    expect(sendMessageLink('/resolve')).toBe('dtmd://dingtalkclient/sendMessage?content=%2Fresolve');
  });

  it('reminders and breaches go 1:1 and to the item group with an @', () => {
    const reminder = renderNotification(
      { type: 'reminder', level: 1, conversation: c, secondsLeft: 30 },
      now,
    );
    expect(reminder).toEqual([
      { kind: 'text', text: '⏰ 提醒：#K7Q2（医疗机构制剂注册） 还剩 30 秒，请尽快首次回复服务对象。' },
      {
        kind: 'group',
        itemId: 'preparation-registration',
        text: '⏰ 提醒：#K7Q2（医疗机构制剂注册） 还剩 30 秒，请尽快首次回复服务对象。',
        mention: true,
      },
    ]);
    const breach = renderNotification(
      { type: 'breach', conversation: c, previousAssigneeId: 'zhang-wei' },
      now,
    );
    expect(breach.map((o) => o.kind)).toEqual(['text', 'group']);
    expect(
      renderNotification(
        { type: 'breach', conversation: { ...c, itemId: null }, previousAssigneeId: null },
        now,
      ),
    ).toHaveLength(1);
  });

  it('the rest are texts; citizen media is added as media', () => {
    const cases: [StaffNotification, string][] = [
      [
        { type: 'claimed', conversation: c, byStaffId: 'li-na', byName: '李娜' },
        '#K7Q2（医疗机构制剂注册） 已由 李娜 接单。',
      ],
      [{ type: 'closed', conversation: c }, '会话 #K7Q2（医疗机构制剂注册） 已结束。'],
      [
        {
          type: 'consult',
          kind: 'tech',
          conversation: c,
          fromStaffId: 'x',
          fromName: '张伟',
          text: '页面打不开',
        },
        '【技术支持】张伟 就 #K7Q2（医疗机构制剂注册） 请求支持：页面打不开',
      ],
      [{ type: 'info', text: '已接单 #K7Q2' }, '已接单 #K7Q2'],
      [
        { type: 'citizen_message', conversation: c, text: '[图片]', messageId: 5 },
        '#K7Q2（医疗机构制剂注册） 服务对象：[图片]',
      ],
    ];
    for (const [n, text] of cases) expect(renderNotification(n, now)).toEqual([{ kind: 'text', text }]);
    const withMedia = renderNotification(
      { type: 'citizen_message', conversation: c, text: '[图片]', messageId: 5 },
      now,
      {
        mediaRef: 'media:abc',
        mediaKind: 'image',
      },
    );
    expect(withMedia[1]).toEqual({ kind: 'media', mediaRef: 'media:abc', mediaKind: 'image' });
  });
});
