import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../src/kb/analyzer.ts';
import {
  CLOSING_PROMPT,
  createKnowledgeBase,
  type KbAnswer,
  type KnowledgeBase,
} from '../../src/kb/answer.ts';
import { loadKbDirectory, type KbEntry } from '../../src/kb/entry.ts';
import { loadLexicon } from '../../src/kb/synonyms.ts';

const entries = loadKbDirectory(path.join(import.meta.dirname, 'fixtures/kb'));
const analyzer = createAnalyzer(loadLexicon());
let kb: KnowledgeBase;
beforeAll(() => {
  kb = createKnowledgeBase(entries, { analyzer });
});

function answered(a: KbAnswer): Extract<KbAnswer, { decision: 'answer' }> {
  expect(a.decision).toBe('answer');
  return a as Extract<KbAnswer, { decision: 'answer' }>;
}

function handedOff(a: KbAnswer): Extract<KbAnswer, { decision: 'handoff' }> {
  expect(a.decision).toBe('handoff');
  return a as Extract<KbAnswer, { decision: 'handoff' }>;
}

describe('answer', () => {
  it('answers an in-scope question with the entry text and the closing prompt', () => {
    const a = answered(kb.answer('二类械注册证快到期了，什么时候申请延续？'));
    expect(a.entry.id).toBe('device-registration.renewal-timing');
    expect(a.text).toContain('6个月');
    expect(a.text.endsWith(`\n\n${CLOSING_PROMPT}`)).toBe(true);
    expect(a.score).toBeGreaterThan(0);
    expect(a.score).toBeLessThanOrEqual(1);
  });

  it('lets a channel choose the closing prompt', () => {
    const custom = createKnowledgeBase(entries, { analyzer, closingPrompt: '回复1已解决' });
    expect(answered(custom.answer('化妆品生产许可证有效期几年')).text.endsWith('回复1已解决')).toBe(true);
  });

  it('tolerates typos and abbreviations', () => {
    expect(answered(kb.answer('妆字号有效其几年')).entry.id).toBe('cosmetics-production-license.validity');
  });

  it.each(['今天天气怎么样', '孩子落户上海需要啥条件', '个税年度汇算在哪弄', '营业执招丢了怎么补办'])(
    'hands off the out-of-scope question %s',
    (question) => {
      expect(handedOff(kb.answer(question)).reason).toMatch(/out_of_scope|low_confidence/);
    },
  );

  it('hands off with the referral entry when the question matches one', () => {
    const a = handedOff(kb.answer('公积金怎么提取'));
    expect(a.reason).toBe('out_of_scope');
    expect(a.entry?.id).toBe('general.referral-unrelated-to-12345');
  });

  it('does not answer as certain from an unconfirmed entry', () => {
    const a = handedOff(kb.answer('2026年二类医疗器械注册收费多少钱'));
    expect(a.reason).toBe('needs_confirmation');
    expect(a.entry?.id).toBe('device-registration.fee-2026');
  });

  it('never answers from a draft entry', () => {
    const a = kb.answer('草稿：化妆品生产许可证有效期调整');
    expect(a.decision === 'answer' ? a.entry.id : undefined).not.toBe('general.old-draft');
  });

  it.each(['', '   \n\t', '？？？', '😀🙏', '的了吗'])('hands off the empty question %j', (question) => {
    expect(handedOff(kb.answer(question)).reason).toBe('empty_question');
  });

  it('answers the well-supported part of a multi-question message', () => {
    const a = answered(kb.answer('今天天气怎么样？另外化妆品生产许可证有效期几年？'));
    expect(a.entry.id).toBe('cosmetics-production-license.validity');
  });

  it('handles a 10 000-character paste, emoji and mixed scripts quickly', () => {
    const paste = '化妆品生产许可证有效期几年😀 hello 테스트 テスト '.repeat(400).slice(0, 10_000);
    const started = performance.now();
    const a = kb.answer(paste);
    expect(performance.now() - started).toBeLessThan(200);
    expect(['answer', 'handoff']).toContain(a.decision);
    expect(handedOff(kb.answer('한국어 질문입니다 テストです')).reason).toMatch(
      /empty_question|out_of_scope|low_confidence/,
    );
  });

  it('favours the conversation item when the question fits several', () => {
    const hits = kb.search('有效期几年', { item: 'cosmetics-production-license' });
    expect(hits[0]!.entry.item).toBe('cosmetics-production-license');
    const other = kb.search('有效期几年', { item: 'device-registration' });
    expect(other[0]!.entry.item).toBe('device-registration');
  });
});

describe('incremental updates', () => {
  const extra: KbEntry = {
    id: 'general.parking',
    column: '部门信息',
    item: 'general',
    title: '行政服务中心停车安排',
    questions: ['去行政服务中心办事能停车吗'],
    answer: '行政服务中心不提供访客停车位，请乘坐公共交通前往。',
    keywords: ['停车', '停车位', '交通'],
    source: '行政服务中心告示',
    status: 'published',
    maintainer: 'service-center',
    needsConfirmation: false,
    facts: [],
  };

  it('upsert adds, replaces and unpublishes an entry without a rebuild; remove deletes it', () => {
    const local = createKnowledgeBase(entries, { analyzer });
    const before = local.size;
    expect(local.search('停车位').map((h) => h.entry.id)).not.toContain('general.parking');

    local.upsert(extra);
    expect(local.size).toBe(before + 1);
    expect(local.search('停车位')[0]!.entry.id).toBe('general.parking');

    local.upsert({ ...extra, answer: '已调整：中心提供少量访客停车位。' });
    expect(local.get('general.parking')!.answer).toContain('已调整');
    expect(local.size).toBe(before + 1);

    local.upsert({ ...extra, status: 'retired' });
    expect(local.size).toBe(before);
    expect(local.search('停车位').map((h) => h.entry.id)).not.toContain('general.parking');

    local.upsert(extra);
    expect(local.remove('general.parking')).toBe(true);
    expect(local.remove('general.parking')).toBe(false);
    expect(local.search('停车位').map((h) => h.entry.id)).not.toContain('general.parking');
  });
});
