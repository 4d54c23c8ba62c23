/** What bangban says about 12345 tickets, to citizens and to staff, in one place. */
import type { HotlineTicketStatus } from './hotline-types.ts';

/** Shanghai "1·5·15" (protocols/hotline-12345-and-ratings.md §4): what the citizen can expect next. */
export function citizenTicketNumberText(hotlineNo: string): string {
  return (
    `您的问题已由 12345 市民服务热线受理，工单编号：${hotlineNo}。` +
    '承办单位一般会在 1 个工作日内与您联系，简单问题 5 个工作日、复杂问题 15 个工作日内办结。' +
    '如需查询进度，请拨打 12345 并提供工单编号。'
  );
}

export function citizenClosedText(hotlineNo: string | null): string {
  const number = hotlineNo ? `（工单编号：${hotlineNo}）` : '';
  return `12345 市民服务热线已办结您的诉求${number}。如对办理结果有疑问，请拨打 12345 并提供工单编号。`;
}

export function citizenReturnedText(helperName: string | null): string {
  return helperName
    ? `12345 市民服务热线已将您的问题退回，帮办人员${helperName}将继续为您处理，请稍候。`
    : '12345 市民服务热线已将您的问题退回，我们将尽快安排帮办人员继续为您处理，请稍候。';
}

const STATUS_WORDS: Record<HotlineTicketStatus, string> = {
  pending: '待发送',
  sent: '已送达 12345',
  accepted: '12345 已签收',
  in_progress: '12345 办理中',
  closed: '12345 已办结',
  returned: '12345 已退单',
  failed: '发送失败',
};

export function staffStatusText(input: {
  ticketNo: string;
  code: string;
  itemName: string | null;
  status: HotlineTicketStatus;
  hotlineNo: string | null;
  reason?: string | null;
}): string {
  const parts = [
    `12345 工单 ${input.ticketNo}（会话 #${input.code}${input.itemName ? `，${input.itemName}` : ''}）：`,
  ];
  parts.push(STATUS_WORDS[input.status]);
  if (input.hotlineNo) parts.push(`，12345 编号 ${input.hotlineNo}`);
  if (input.reason) parts.push(`，原因：${input.reason}`);
  parts.push('。');
  return parts.join('');
}

export function staffReturnedToYouText(code: string, ticketNo: string, reason: string | null): string {
  return (
    `12345 退回了工单 ${ticketNo}${reason ? `（原因：${reason}）` : ''}，会话 #${code} 已回到您的队列，` +
    `请继续为服务对象办理（回复 #${code} 内容）。`
  );
}

export function staffReturnedButOpenText(code: string, ticketNo: string, openCode: string): string {
  return (
    `12345 退回了工单 ${ticketNo}（会话 #${code}），但该服务对象已有进行中的会话 #${openCode}，` +
    '原会话未重新打开，请在新会话中跟进。'
  );
}

export function staffParkedText(code: string, ticketNo: string): string {
  return `12345 网关未启用：会话 #${code} 的工单 ${ticketNo} 已保存排队，网关启用后将自动发送。`;
}

export function staffFailedText(code: string, ticketNo: string, attempts: number, error: string): string {
  return (
    `【告警】12345 工单 ${ticketNo}（会话 #${code}）经 ${attempts} 次尝试仍未送达，已停止重试：${error}。` +
    '请通过其他方式转交 12345，或待网关恢复后由管理员重新发送。'
  );
}

export function staffAutoPushedText(code: string, ticketNo: string, minutes: number): string {
  return `会话 #${code} 排队超过 ${minutes} 分钟且无值班帮办人员，已自动转 12345（工单 ${ticketNo}）。`;
}
