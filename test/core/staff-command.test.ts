import { describe, expect, it } from 'vitest';
import { parseStaffCommand } from '../../src/core/staff-command.ts';

describe('parseStaffCommand', () => {
  it.each([
    ['接单', { kind: 'claim' }],
    ['/claim #A12', { kind: 'claim', code: 'A12' }],
    ['/list', { kind: 'list' }],
    ['列表', { kind: 'list' }],
    ['/switch A7', { kind: 'switch', code: 'A7' }],
    ['切换 #A7', { kind: 'switch', code: 'A7' }],
    ['/resolve', { kind: 'resolve' }],
    ['结束', { kind: 'resolve' }],
    ['/12345 涉及市场监管局职责', { kind: 'push_12345', reason: '涉及市场监管局职责' }],
    ['转12345 不属于本局', { kind: 'push_12345', reason: '不属于本局' }],
    ['/transfer lisi', { kind: 'transfer', staff: 'lisi' }],
    ['转派 李四', { kind: 'transfer', staff: '李四' }],
    ['/consult 需要法规处意见', { kind: 'consult', text: '需要法规处意见' }],
    ['会商', { kind: 'consult', text: '' }],
    ['/tech', { kind: 'tech', text: '' }],
    ['/kb 延续注册', { kind: 'kb', words: '延续注册' }],
    ['查知识库 延续注册', { kind: 'kb', words: '延续注册' }],
    ['/note 企业已电话联系', { kind: 'note', text: '企业已电话联系' }],
    ['／list', { kind: 'list' }],
    ['#B3 您好，材料齐全即可', { kind: 'reply_to', code: 'B3', text: '您好，材料齐全即可' }],
    ['您好，请上传营业执照', { kind: 'reply', text: '您好，请上传营业执照' }],
    ['结束时间是下午五点', { kind: 'reply', text: '结束时间是下午五点' }],
    ['接单后会尽快联系您', { kind: 'reply', text: '接单后会尽快联系您' }],
  ])('%s', (input, command) => {
    expect(parseStaffCommand(input)).toEqual({ ok: true, command });
  });

  it.each(['/12345', '/transfer', '/switch', '/kb', '/note  ', '转派'])(
    '%s without its argument is refused',
    (input) => {
      const result = parseStaffCommand(input);
      expect(result).toMatchObject({ ok: false, reason: 'missing_argument' });
      expect(result.ok ? '' : result.usage).toContain('用法');
    },
  );

  it('refuses unknown slash commands and empty input', () => {
    expect(parseStaffCommand('/foo bar')).toMatchObject({ ok: false, reason: 'unknown_command' });
    expect(parseStaffCommand('   ')).toMatchObject({ ok: false, reason: 'empty' });
  });
});
