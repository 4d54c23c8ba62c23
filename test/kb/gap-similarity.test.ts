import { describe, expect, it } from 'vitest';
import {
  closestGroup,
  GAP_SIMILARITY_THRESHOLD,
  normaliseQuestion,
  questionSimilarity,
} from '../../src/kb/gap-similarity.ts';

describe('normaliseQuestion', () => {
  it('drops punctuation, spaces and emoji and folds full-width letters and case', () => {
    expect(normaliseQuestion(' 请问：ＡＢＣ 二类械， 注册要多久？？😀 ')).toBe('请问abc二类械注册要多久');
  });

  it('keeps only the start of a very long paste', () => {
    expect([...normaliseQuestion('注'.repeat(10_000))]).toHaveLength(300);
  });
});

describe('questionSimilarity (threshold documented in gap-similarity.ts)', () => {
  const base = '二类医疗器械注册要多久';
  it.each([
    ['请问二类医疗器械注册要多久？', true],
    ['二类医疗器械注册要多久啊😀', true],
    ['ＡＢＣ二类医疗器械注册要多久', true],
    ['二类医疗器械注册要交什么材料', false],
    ['二类医疗器械注册需要多长时间', false],
    ['化妆品生产许可要多久', false],
  ])('%s grouped with the base: %s', (other, grouped) => {
    expect(questionSimilarity(base, other) >= GAP_SIMILARITY_THRESHOLD).toBe(grouped);
  });

  it('is symmetric and 1 for the same normalised text', () => {
    expect(questionSimilarity('注册证 到期了？', '注册证到期了')).toBe(1);
    expect(questionSimilarity(base, '二类械注册')).toBe(questionSimilarity('二类械注册', base));
  });
});

describe('closestGroup', () => {
  it('picks the most similar candidate above the threshold, or none', () => {
    const groups = [
      { id: 1, normalizedQuestion: normaliseQuestion('二类医疗器械注册要交什么材料') },
      { id: 2, normalizedQuestion: normaliseQuestion('二类医疗器械注册要多久') },
    ];
    expect(closestGroup(normaliseQuestion('请问二类医疗器械注册要多久'), groups)?.id).toBe(2);
    expect(closestGroup(normaliseQuestion('药品生产许可证怎么换证'), groups)).toBeUndefined();
  });
});
