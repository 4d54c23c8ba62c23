import { shanghaiDateOf, shanghaiMinuteOfDay, type WorkingHours } from '../core/calendar.ts';

/** What bangban says to citizens, in one place so wording can be reviewed together. */

export const WELCOME = '您好，我是小申，一网通办帮办助手。请直接描述您的问题；需要人工帮办请回复“转人工”。';
export const ASK_ITEM = '请问您咨询的是哪个事项？请回复序号或点击选择：';
export const CONNECTING = '正在为您转接人工帮办，请稍候。';
export const QUEUED = '帮办人员正忙，您已进入排队，我们将按顺序尽快为您服务。';
export const ALREADY_WITH_HUMAN = '已为您转接人工帮办，请直接描述您的问题。';
export const BEING_HELPED = '您的问题正在处理中，工作人员马上为您解答，请稍候。';
export const BOT_SOLVED = '很高兴为您解决问题！如还有其他问题，请随时提问。';
export const ASK_RESOLVED = '本次帮办已结束。请问您的问题是否已解决？回复 1 已解决 / 2 未解决';
export const RESOLVED_THANKS = '感谢您的反馈！';
export const NOT_RESOLVED_REOPEN = '很抱歉没能解决您的问题，正在为您重新转接人工帮办。';
export const PUSHED_12345 = '您的问题已转交 12345 市民服务热线办理，受理后将有专人与您联系。';
export const MEDIA_TO_HUMAN = '小申暂时无法识别图片和文件，正在为您转接人工帮办。';

export const RESOLVE_CHOICES = [
  { key: 'resolved:1', label: '1 已解决' },
  { key: 'resolved:2', label: '2 未解决' },
];

export function assignedText(helperName: string): string {
  return `帮办人员${helperName}已为您服务，请稍候。`;
}

/** `12月1日 09:00` in Shanghai time. */
export function formatLocal(instant: Date): string {
  const [, month, day] = shanghaiDateOf(instant).split('-').map(Number) as [number, number, number];
  const minute = shanghaiMinuteOfDay(instant);
  const hh = String(Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  return `${month}月${day}日 ${hh}:${mm}`;
}

export function outsideHoursText(itemName: string, hours: WorkingHours, opensAt: Date): string {
  const periods = hours.map((range) => `${range.start}–${range.end}`).join('、');
  return (
    `现在是非工作时间。${itemName}的人工帮办时间为工作日 ${periods}。` +
    `您可以直接留言，工作人员将于 ${formatLocal(opensAt)} 起按顺序为您办理。`
  );
}
