import { describe, expect, it } from 'vitest';
import { storableText } from '../../src/core/storable-text.ts';

describe('storableText', () => {
  it('returns text without NULs or unpaired surrogates as it is, emoji (surrogate pairs) included', () => {
    for (const text of ['', '营业执照', 'ok 👍🏻 done', '😀😀', 'a\\u0000b as typed']) {
      expect(storableText(text)).toBe(text);
    }
  });

  it('drops NULs and replaces each unpaired surrogate with U+FFFD', () => {
    expect(storableText('a\u0000b\u0000')).toBe('ab');
    expect(storableText('x\ud83d')).toBe('x\ufffd');
    expect(storableText('\ude00y')).toBe('\ufffdy');
    expect(storableText('\ude00\ud83d')).toBe('\ufffd\ufffd');
    expect(storableText('😀\ud83d😀')).toBe('😀\ufffd😀');
    expect(storableText('\u0000\ud83d\u0000\ude00')).toBe('😀');
  });
});
