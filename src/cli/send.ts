import { UsageError, type Command } from './command';
import { gatewayUrl, sendThroughGateway } from './gateway-client';

export const sendCommand: Command = {
  name: 'send',
  args: [],
  summary: 'send one message through the running gateway, as ExSign does',
  help: `Posts one ExSign request to the running gateway (the address from SMSGW_HTTP_HOST and
SMSGW_HTTP_PORT, the token from the configuration) and prints its answer: IsSuccess, ErrorDetails and
the message id (X-Message-Id) to follow with "smsgw status ID". The abuse limits apply as to any
request. Exits 0 only if IsSuccess is true.

  --to NUMBER   destination, E.164 (+447400123456) or national with SMSGW_DEFAULT_REGION
  --text TEXT   message text
  --url URL     the gateway's address instead of the configured one (http://host:port)`,
  options: { to: { type: 'string' }, text: { type: 'string' }, url: { type: 'string' } },
  async run(ctx) {
    const to = ctx.values.to as string | undefined;
    const text = ctx.values.text as string | undefined;
    if (!to || text === undefined) throw new UsageError('send needs --to NUMBER and --text TEXT');
    const config = ctx.config();
    const answer = await sendThroughGateway(gatewayUrl(config, ctx.values.url as string | undefined), config, to, text);
    const lines = [`IsSuccess: ${answer.IsSuccess}`, `ErrorDetails: ${answer.ErrorDetails}`, `message id: ${answer.messageId ?? '(none)'}`];
    return { ok: answer.IsSuccess, text: lines.join('\n'), json: answer };
  },
};
