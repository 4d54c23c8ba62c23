import { describe, expect, it } from 'vitest';
import { createAnalyzer } from '../../src/kb/analyzer.ts';
import { loadLexicon, parseSynonyms } from '../../src/kb/synonyms.ts';

const analyzer = createAnalyzer(loadLexicon());
const mains = (q: string) => analyzer.concepts(q).map((c) => c.terms[0]);

describe('synonyms and abbreviations', () => {
  it.each([
    ['二类械注册证', '二类医疗器械'],
    ['药证快到期了', '药品生产许可证'],
    ['妆字号怎么办', '化妆品生产许可证'],
    ['械注要多久', '医疗器械注册'],
    ['注册证书丢了', '注册证'],
    ['证件有效期届满', '到期'],
    ['院内制剂', '制剂'],
    ['要交多少钱', '收费'],
    ['几个工作日能办好', '时限'],
  ])('%s is read with the canonical word %s', (question, canonical) => {
    expect(analyzer.queryTerms(question)).toContain(canonical);
  });

  it('brings the words inside the canonical phrase along, so abbreviations meet full names', () => {
    expect(analyzer.queryTerms('药证')).toEqual(expect.arrayContaining(['药品生产许可证', '药品', '许可证']));
  });

  it('drops stopwords', () => {
    expect(mains('请问我们的许可证怎么办呢')).toEqual(['许可证']);
  });
});

describe('typo tolerance', () => {
  it.each([
    ['营业执招', '营业执照'],
    ['生产许可正', '许可证'],
    ['延续注策', '注册'],
    ['医院制济', '制剂'],
    ['有效其多久', '有效期'],
  ])('%s is corrected to contain %s', (typo, right) => {
    expect(analyzer.queryTerms(typo)).toContain(right);
  });
});

describe('lexicon words', () => {
  it('marks out-of-scope words and item names', () => {
    expect(analyzer.isOutOfScopeTerm('公积金')).toBe(true);
    expect(analyzer.isOutOfScopeTerm('注册证')).toBe(false);
    expect(analyzer.itemOf('化妆品生产许可证')).toBe('cosmetics-production-license');
    expect(analyzer.itemOf('药品生产许可证')).toBe('drug-production-license');
    expect(analyzer.itemOf('许可证')).toBeUndefined();
  });

  it('weighs nouns above particles and fragments', () => {
    const [noun] = analyzer.concepts('许可证');
    const [time] = analyzer.concepts('明年');
    expect(noun!.salience).toBeGreaterThan(time!.salience);
  });
});

describe('parseSynonyms', () => {
  it('names the file and field of a bad group', () => {
    expect(() => parseSynonyms('groups:\n  - [只有一个]\n', 'synonyms.yaml')).toThrow(
      /synonyms\.yaml: groups\[0\]: a group needs at least two words/,
    );
    expect(() => parseSynonyms('items:\n  vaccines: [疫苗]\n', 'synonyms.yaml')).toThrow(
      /synonyms\.yaml: items/,
    );
  });
});
