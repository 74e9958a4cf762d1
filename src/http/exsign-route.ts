import { shuttingDown, tooManyRequests } from '../errors';
import type { Logger } from '../log';
import type { SendTrace } from '../sms/sms-service';
import { readExsignRequest } from './exsign-request';
import { SUCCESS, toExsignResponse, type ExsignResponse } from './exsign-response';
import { newMessageId } from './new-message-id';
import { checkCaller, type CallerCheckDeps } from './caller-check';

export interface ExsignRouteDeps extends CallerCheckDeps {
  logger: Logger;
  requestDeadlineMs: number;
  /** The caller: the socket peer, or from X-Forwarded-For when the peer is a trusted proxy. */
  clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined): string | undefined;
  draining(): boolean;
  /** Most requests handled at once; more are refused at once. */
  maxInflight: number;
  send(mobileNumber: string, text: string, deadline: number, trace: SendTrace): Promise<void>;
  /** Keeps the outcome of the request if its sending began; awaited before answering, never throws. */
  record?(messageId: string, trace: SendTrace, submittedAt: number): Promise<void>;
  onOutcome?(outcome: { code: string; durationMs: number; segments?: number; previousToken: boolean }): void;
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
 * The ExSign contract, free of any HTTP framework. Every path ends in one answer; the order of
 * checks (caller, token, shutdown, load, body, then in the SMS service number, length and abuse
 * limits) means strangers never make us parse a body and refused requests never reach the SMSC.
 */
export function createExsignRoute(deps: ExsignRouteDeps) {
  let inflight = 0;

  async function handle(exchange: ExsignExchange): Promise<ExsignAnswer> {
    const started = performance.now();
    const receivedAt = Date.now();
    const deadline = receivedAt + deps.requestDeadlineMs;
    const messageId = newMessageId(receivedAt);
    const trace: SendTrace = {};
    let code = 'SUCCESS';
    let body: ExsignResponse = SUCCESS;
    let verdict: 'ok' | 'previous' | undefined;
    const client = deps.clientAddress(exchange.socketAddress, exchange.forwardedFor || undefined);
    inflight++;
    try {
      verdict = checkCaller(deps, client, exchange.authorization);
      if (deps.draining()) throw shuttingDown();
      if (inflight > deps.maxInflight) throw tooManyRequests(deps.maxInflight);
      const request = readExsignRequest(await exchange.readBody());
      await deps.send(request.mobileNumber, request.messageText, deadline, trace);
    } catch (err) {
      const answer = toExsignResponse(err);
      code = answer.code;
      body = answer.body;
      if (code === 'INTERNAL_ERROR') deps.logger.error({ err, messageId }, 'unexpected error while handling an ExSign request');
    } finally {
      // Recorded before answering, so the id in X-Message-Id can be looked up at once.
      await deps.record?.(messageId, trace, receivedAt);
      inflight--;
    }
    const durationMs = performance.now() - started;
    deps.onOutcome?.({ code, durationMs, segments: trace.segments, previousToken: verdict === 'previous' });
    // Built only when it is written: at SMSGW_LOG_LEVEL=warn the hot path makes no log object.
    if (deps.logger.isLevelEnabled('info')) {
      deps.logger.info(
        {
          messageId,
          client,
          to: trace.to,
          numberHash: trace.numberHash,
          segments: trace.segments,
          encoding: trace.encoding,
          smsc: trace.smsc,
          smscMessageIds: trace.smscMessageIds,
          deduplicated: trace.deduplicated,
          auth: verdict === 'previous' ? 'previous-token' : undefined,
          outcome: code,
          error: body.ErrorDetails || undefined,
          latencyMs: Math.round(durationMs * 10) / 10,
        },
        'exsign request',
      );
    }
    return { messageId, code, body };
  }

  return { handle, inflight: () => inflight };
}
