/**
 * JSON.parse that keeps integers beyond 2^53 exact by reading them as strings: WeChat's JSON push
 * carries `"MsgId": 4561255354251345929`, which plain JSON.parse turns into …346000 (pitfall 7).
 * Only integer literals of 16 or more digits outside strings are quoted; everything else is JSON.parse.
 */
const STRING_OR_BIG_INT = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

export function parseJsonLossless(text: string): unknown {
  return JSON.parse(
    text.replace(STRING_OR_BIG_INT, (match) => (match.startsWith('"') ? match : `"${match}"`)),
  );
}
