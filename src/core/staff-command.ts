/**
 * Staff commands typed in work chat (WeCom app, DingTalk robot) or clicked on the web desk
 * (ARCHITECTURE.md §4), with their Chinese aliases.
 */

export type StaffCommand =
  | { kind: 'claim'; code?: string }
  | { kind: 'reply'; text: string }
  | { kind: 'reply_to'; code: string; text: string }
  | { kind: 'list' }
  | { kind: 'switch'; code: string }
  | { kind: 'resolve' }
  | { kind: 'push_12345'; reason: string }
  | { kind: 'transfer'; staff: string }
  | { kind: 'consult'; text: string }
  | { kind: 'tech'; text: string }
  | { kind: 'kb'; words: string }
  | { kind: 'note'; text: string };

export type ParseResult =
  | { ok: true; command: StaffCommand }
  | { ok: false; reason: 'missing_argument' | 'unknown_command' | 'empty'; usage: string };

interface Spec {
  names: readonly string[];
  /** What follows the command word; undefined means it takes none. */
  argument?: { required: boolean; label: string };
  build(arg: string): StaffCommand;
}

const SPECS: readonly Spec[] = [
  {
    names: ['/claim', '接单'],
    argument: { required: false, label: '[会话编号]' },
    build: (a) => (a ? { kind: 'claim', code: stripHash(a) } : { kind: 'claim' }),
  },
  { names: ['/list', '列表', '我的会话'], build: () => ({ kind: 'list' }) },
  {
    names: ['/switch', '切换'],
    argument: { required: true, label: '<会话编号>' },
    build: (a) => ({ kind: 'switch', code: stripHash(a) }),
  },
  { names: ['/resolve', '结束', '办结'], build: () => ({ kind: 'resolve' }) },
  {
    names: ['/12345', '转12345'],
    argument: { required: true, label: '<原因>' },
    build: (a) => ({ kind: 'push_12345', reason: a }),
  },
  {
    names: ['/transfer', '转派'],
    argument: { required: true, label: '<工号或姓名>' },
    build: (a) => ({ kind: 'transfer', staff: a }),
  },
  {
    names: ['/consult', '会商'],
    argument: { required: false, label: '[说明]' },
    build: (a) => ({ kind: 'consult', text: a }),
  },
  {
    names: ['/tech', '技术支持'],
    argument: { required: false, label: '[说明]' },
    build: (a) => ({ kind: 'tech', text: a }),
  },
  {
    names: ['/kb', '查知识库'],
    argument: { required: true, label: '<关键词>' },
    build: (a) => ({ kind: 'kb', words: a }),
  },
  {
    names: ['/note', '备注'],
    argument: { required: true, label: '<内容>' },
    build: (a) => ({ kind: 'note', text: a }),
  },
];

function stripHash(code: string): string {
  return code.replace(/^#/, '').trim();
}

/** Full-width slash and space are what Chinese input methods type. */
function normalise(text: string): string {
  return text
    .replace(/^／/, '/')
    .replace(/\u3000/g, ' ')
    .trim();
}

export function parseStaffCommand(input: string): ParseResult {
  const text = normalise(input);
  if (text === '') return { ok: false, reason: 'empty', usage: '请输入回复内容或命令（/list 查看命令）' };

  const hashReply = /^#([A-Za-z0-9]+)\s+([\s\S]+)$/.exec(text);
  if (hashReply)
    return { ok: true, command: { kind: 'reply_to', code: hashReply[1]!, text: hashReply[2]!.trim() } };

  const lower = text.toLowerCase();
  for (const spec of SPECS) {
    const name = spec.names.find(
      (n) => lower === n || lower.startsWith(`${n} `) || (!n.startsWith('/') && lower.startsWith(n)),
    );
    if (name === undefined) continue;
    // A Chinese alias must stand alone or be followed by its argument, so ordinary replies that merely
    // start with the same characters (“结束时间是…”) stay replies.
    const rest = text.slice(name.length).trim();
    if (!name.startsWith('/') && rest !== '' && !spec.argument) continue;
    if (!name.startsWith('/') && rest !== '' && text[name.length] !== ' ' && spec.argument) continue;
    if (!spec.argument && rest !== '') continue;
    if (spec.argument?.required && rest === '') {
      return {
        ok: false,
        reason: 'missing_argument',
        usage: `用法：${spec.names[0]} ${spec.argument.label}`,
      };
    }
    return { ok: true, command: spec.build(rest) };
  }
  if (text.startsWith('/')) {
    // An unknown slash word is most likely a typo of a command, not a message for the citizen.
    return {
      ok: false,
      reason: 'unknown_command',
      usage: `未知命令 ${text.split(/\s/)[0]}；可用：${SPECS.map((s) => s.names[0]).join(' ')}`,
    };
  }
  return { ok: true, command: { kind: 'reply', text } };
}
