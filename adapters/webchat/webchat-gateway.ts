import { AppError } from '../../src/core/errors.ts';
import type { ChannelGateway } from '../../src/ports.ts';
import { ChoiceCache } from './choice-cache.ts';
import type { WebchatHub } from './webchat-hub.ts';

/**
 * `sendToCitizen` for channel 'webchat'. The flows have already stored the message in `messages`;
 * delivering it means waking the citizen's widget streams (on any instance), which then read it
 * from the database. The citizen's id on this channel is the webchat session id.
 */
export function createWebchatGateway(options: { hub: WebchatHub }): Pick<ChannelGateway, 'sendToCitizen'> {
  return {
    async sendToCitizen(to, message) {
      if (to.channel !== 'webchat') {
        throw new AppError('internal', `webchat gateway asked to deliver to channel ${to.channel}`);
      }
      const choices =
        message.kind === 'text' && message.choices && message.choices.length > 0
          ? { textHash: ChoiceCache.textHash(message.text), items: message.choices }
          : undefined;
      await options.hub.publish(to.citizenUserId, {
        conversationId: to.conversationId,
        ...(choices ? { choices } : {}),
      });
    },
  };
}
