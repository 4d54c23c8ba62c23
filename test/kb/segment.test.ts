import { describe, expect, it } from 'vitest';
import { createSegmenter, normalizeText, parseDictionary, MAX_QUESTION_CHARS } from '../../src/kb/segment.ts';
import { loadLexicon } from '../../src/kb/synonyms.ts';

describe('normalizeText', () => {
  it('turns full-width into half-width, lower-cases and simplifies common traditional characters', () => {
    expect(normalizeText('ＧＭＰ　證書１２３４５')).toBe('gmp 证书12345');
    expect(normalizeText('醫療器械註冊證')).toBe('医疗器械注册证');
  });

  it('replaces punctuation, emoji and symbols by single spaces', () => {
    expect(normalizeText('😀许可证，到期了？？！🙏')).toBe('许可证 到期了');
    expect(normalizeText('   \n\t ')).toBe('');
  });

  it('reads only the first characters of a long paste', () => {
    const out = normalizeText('药'.repeat(10_000));
    expect(out).toHaveLength(MAX_QUESTION_CHARS);
  });
});

describe('parseDictionary', () => {
  it('reads words with optional frequencies and skips comments', () => {
    expect(parseDictionary('# comment\n二类医疗器械\n延续注册 5000 n\n\n')).toEqual([
      { word: '二类医疗器械' },
      { word: '延续注册', freq: 5000 },
    ]);
  });
});

describe('createSegmenter with the domain dictionary', () => {
  const segmenter = createSegmenter(loadLexicon().dictionary);
  const words = (text: string) => segmenter.tokens(normalizeText(text)).map((t) => t.word);

  it.each([
    ['第二类医疗器械延续注册', ['第二类医疗器械', '延续注册']],
    ['化妆品生产许可证到期', ['化妆品生产许可证', '到期']],
    ['医疗机构制剂注册证', ['医疗机构制剂', '注册证']],
    ['一网通办好差评', ['一网通办', '好差评']],
  ])('keeps domain terms whole in %s', (text, expected) => {
    expect(words(text)).toEqual(expect.arrayContaining(expected));
  });

  it('finds the words inside a long domain word', () => {
    expect(segmenter.subwords('第二类医疗器械')).toEqual(
      expect.arrayContaining(['医疗器械', '器械', '医疗']),
    );
    expect(segmenter.subwords('药品生产许可证')).toEqual(expect.arrayContaining(['许可证', '生产许可证']));
  });
});
