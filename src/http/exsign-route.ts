import type { Logger } from '../log';
import { outcomeLogFields, type SendPath } from '../sms/send-path';
import { readExsignRequest } from './exsign-request';
import { SUCCESS, toExsignResponse, type ExsignResponse } from './exsign-response';
import { checkCaller, type CallerCheckDeps } from './caller-check';

export interface ExsignRouteDeps extends CallerCheckDeps {
  logger: Logger;
  /** The caller: the socket peer, or from X-Forwarded-For when the peer is a trusted proxy. */
  clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined): string | undefined;
  /** The sending path shared with the other ingresses (src/sms/send-path.ts). */
  submit: SendPath['submit'];
  onOutcome?(outcome: { code: string; durationMs: number; previousToken: boolean }): void;
}

/** One ExSign POST as the HTTP layer hands it over. */
export interface ExsignExchange {
  socketAddress: string | undefined;
  forwardedFor: string | undefined;
  authorization: string | undefined;
  /** The parsed JSON body; rejects with a GatewayError on malformed or oversized bodies. */
  readBody(): Promise<unknown>;
}

export interface ExsignAnswer {
  messageId: string;
  code: string;
  body: ExsignResponse;
}

/**
 * The ExSign contract, free of any HTTP framework: a translation between the JSON contract and
 * the sending path. Every path ends in one answer; the order of checks (caller, token, shutdown,
 * load, body, then in the SMS service number, length and abuse limits) means strangers never make
 * us parse a body and refused requests never reach the SMSC.
 */
export function createExsignRoute(deps: ExsignRouteDeps) {
  async function handle(exchange: ExsignExchange): Promise<ExsignAnswer> {
    const client = deps.clientAddress(exchange.socketAddress, exchange.forwardedFor || undefined);
    let verdict: 'ok' | 'previous' | undefined;
    const outcome = await deps.submit(async (admit) => {
      verdict = checkCaller(deps, client, exchange.authorization);
      admit();
      const request = readExsignRequest(await exchange.readBody());
      return { mobileNumber: request.mobileNumber, text: request.messageText };
    });
    const body = outcome.error === undefined ? SUCCESS : toExsignResponse(outcome.error).body;
    deps.onOutcome?.({ code: outcome.code, durationMs: outcome.durationMs, previousToken: verdict === 'previous' });
    // Built only when it is written: at SMSGW_LOG_LEVEL=warn the hot path makes no log object.
    if (deps.logger.isLevelEnabled('info')) {
      deps.logger.info(
        { ...outcomeLogFields(outcome, body.ErrorDetails), client, auth: verdict === 'previous' ? 'previous-token' : undefined },
        'exsign request',
      );
    }
    return { messageId: outcome.messageId, code: outcome.code, body };
  }

  return { handle };
}
