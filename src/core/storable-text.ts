// PostgreSQL text and jsonb take neither U+0000 nor an unpaired surrogate (a UTF-16 half with no
// partner, which JSON.stringify writes as a \udXXX escape).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** `text` without U+0000 and with U+FFFD for unpaired surrogates; the same string when it has neither. */
export function storableText(text: string): string {
  const withoutNul = text.includes('\u0000') ? text.replaceAll('\u0000', '') : text;
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(withoutNul) ? withoutNul.replace(LONE_SURROGATE, '\ufffd') : withoutNul;
}
