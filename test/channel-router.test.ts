import { describe, expect, it } from 'vitest';
import { createChannelRouter } from '../src/channel-router.ts';
import type { CitizenAddress, StaffNotification } from '../src/ports.ts';

const to: CitizenAddress = { channel: 'webchat', citizenUserId: 's1', conversationId: 'c1' };
const info: StaffNotification = { type: 'info', text: 'hi' };
const logger = {
  warnings: [] as unknown[],
  warn(obj: object) {
    this.warnings.push(obj);
  },
};

describe('createChannelRouter', () => {
  it('sends to the citizen on the channel they wrote from', async () => {
    const sent: string[] = [];
    const router = createChannelRouter({
      citizens: { webchat: { sendToCitizen: async (a) => void sent.push(`web:${a.citizenUserId}`) } },
      staff: [],
      logger,
    });
    await router.sendToCitizen(to, { kind: 'text', text: 'x' });
    expect(sent).toEqual(['web:s1']);
    await expect(
      router.sendToCitizen({ ...to, channel: 'wechat_oa' }, { kind: 'text', text: 'x' }),
    ).rejects.toThrow(/wechat_oa is not switched on/);
  });

  it('tells every staff channel and survives one failing', async () => {
    const told: string[] = [];
    const router = createChannelRouter({
      citizens: {},
      staff: [
        { notifyStaff: async () => Promise.reject(new Error('wecom down')) },
        { notifyStaff: async (id) => void told.push(id) },
      ],
      logger,
    });
    await router.notifyStaff('zhang-wei', info);
    expect(told).toEqual(['zhang-wei']);
    expect(logger.warnings).toHaveLength(1);
  });

  it('fails when no staff channel could deliver', async () => {
    const router = createChannelRouter({
      citizens: {},
      staff: [{ notifyStaff: async () => Promise.reject(new Error('down')) }],
      logger,
    });
    await expect(router.notifyStaff('x', info)).rejects.toThrow('down');
  });
});
