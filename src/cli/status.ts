import { UsageError, type Command } from './command';
import { gatewayUrl, messageStatus } from './gateway-client';

export const statusCommand: Command = {
  name: 'status',
  args: ['ID'],
  summary: "show a message's status from the running gateway (GET /messages/ID)",
  help: `Asks the running gateway for the record of one message: ID is the X-Message-Id of the ExSign
answer (printed by "smsgw send", logged as messageId). Prints its status, its SMSC and each SMS part's
SMSC message id, status and error. Exits 0 only if the gateway knows the message.

  --url URL     the gateway's address instead of the configured one (http://host:port)`,
  options: { url: { type: 'string' } },
  async run(ctx) {
    const [id] = ctx.args;
    if (!id || ctx.args.length > 1) throw new UsageError('status needs one message id');
    const config = ctx.config();
    const answer = await messageStatus(gatewayUrl(config, ctx.values.url as string | undefined), config, id);
    const message = answer.message;
    if (!message) return { ok: false, text: `${answer.error} (HTTP ${answer.status})`, json: { ok: false, status: answer.status, error: answer.error } };
    const lines = [
      `id: ${message.id}`,
      `status: ${message.status}`,
      `smsc: ${message.smsc}`,
      `submitted: ${message.submittedAt}`,
      `updated: ${message.updatedAt}`,
      ...message.segments.map((s, i) => `part ${i + 1}: ${s.status}, SMSC message id ${s.smscMessageId ?? '(none)'}${s.error ? `, ${s.error}` : ''}`),
    ];
    return { ok: true, text: lines.join('\n'), json: message };
  },
};
