import { once } from 'node:events';
import { SMTPServer, type SMTPServerAddress, type SMTPServerAuthentication, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { GatewayError } from '../errors';
import { isLoopbackAddress } from '../http/ip-allowlist';
import type { Logger } from '../log';
import type { SmtpAuthFailure, SmtpOutcome, SmtpSessionResult } from '../metrics/smtp-metrics';
import { outcomeLogFields, type SendOutcome, type SendPath } from '../sms/send-path';
import { createCredentialsCheck } from './credentials-check';
import { mailText, type MailTextMode } from './mail-text';
import { replyError, replyFor, replyLine, sent, SMTP_REPLIES, tooManySessions, unknownDomain, type SmtpAnswer } from './smtp-replies';
import { listenUrl } from '../listen-url';


/** Failed AUTH attempts a session may make; the next failure closes it. */
const MAX_AUTH_FAILURES = 3;

export interface SmtpIngressOptions {
  logger: Logger;
  host: string;
  port: number;
  /** Accepted recipient domains, lower case; empty = any. */
  domains: readonly string[];
  isAllowed(address: string | undefined): boolean;
  /** When set, AUTH PLAIN/LOGIN is required. */
  credentials?: { user: string; password: string };
  /** When set, STARTTLS is offered. */
  tls?: { key: Buffer; cert: Buffer };
  maxBytes: number;
  textMode: MailTextMode;
  maxSessions: number;
  idleTimeoutMs: number;
  sessionTimeoutMs: number;
  draining(): boolean;
  /** Throws the SMS service's INVALID_NUMBER error for a number it would not send to. */
  checkNumber(mobileNumber: string): void;
  submit: SendPath['submit'];
  /** The key that spots a resent mail: a keyed hash of its Message-ID and recipient. */
  repeatKey(messageId: string, recipient: string): string;
  onSession?(result: SmtpSessionResult): void;
  onSessionEnd?(): void;
  /** Each refused recipient and each answered mail (with the time from the end of DATA to the reply). */
  onMessage?(outcome: SmtpOutcome, durationMs?: number): void;
  onAuthFailure?(reason: SmtpAuthFailure): void;
}

interface SessionState {
  authFailures: number;
  /** The accepted recipient's number, as the SMS service takes it. */
  mobileNumber: string;
  /** Set while the answer to a received mail is being worked out. */
  answering: boolean;
  expired: boolean;
  timer: NodeJS.Timeout;
}

/**
 * Email to SMS: an SMTP listener (smtp-server) that turns each mail to <number>@<domain> into one
 * message on the shared sending path, and answers DATA only once the SMSC has answered. It only
 * translates: SMTP's checks (client address, AUTH, one recipient, size) here, replies in
 * smtp-replies.ts, everything else in the sending path.
 */
export function createSmtpIngress(opts: SmtpIngressOptions) {
  const sessions = new Map<SMTPServerSession, SessionState>();
  const checkCredentials = opts.credentials && createCredentialsCheck(opts.credentials.user, opts.credentials.password);
  const disabled = [...(opts.credentials ? [] : ['AUTH']), ...(opts.tls ? [] : ['STARTTLS'])];

  const server = new SMTPServer({
    banner: 'smsgw Email to SMS',
    logger: false, // it would log addresses (numbers); we log each mail ourselves, masked
    disableReverseLookup: true,
    size: opts.maxBytes,
    disabledCommands: disabled,
    authMethods: ['PLAIN', 'LOGIN'],
    // onAuth decides: after STARTTLS, or from loopback.
    allowInsecureAuth: true,
    authRequiredMessage: replyLine(SMTP_REPLIES.authRequired),
    // Our replies carry their own enhanced codes (smtp-replies.ts).
    hideENHANCEDSTATUSCODES: true,
    socketTimeout: opts.idleTimeoutMs,
    closeTimeout: 1000,
    ...(opts.tls ?? {}),
    onConnect,
    onAuth,
    onMailFrom,
    onRcptTo,
    onData,
    onClose,
  });
  // Socket errors of one client (resets, TLS failures) arrive here; they must not end the process.
  server.on('error', (err: Error) => opts.logger.debug({ err: err.message }, 'smtp connection error'));

  function refuse(result: SmtpSessionResult, callback: (err?: Error | null) => void, error: Error): void {
    opts.onSession?.(result);
    callback(error);
  }

  function onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    if (opts.draining()) return refuse('shutting_down', callback, replyError(SMTP_REPLIES.shuttingDown));
    if (!opts.isAllowed(session.remoteAddress)) {
      opts.logger.warn({ client: session.remoteAddress }, 'smtp client address not allowed');
      return refuse('ip_not_allowed', callback, replyError(replyFor(new GatewayError('caller-refused', { code: 'IP_NOT_ALLOWED' }))));
    }
    if (sessions.size >= opts.maxSessions) return refuse('too_many_sessions', callback, replyError(tooManySessions(opts.maxSessions)));
    const state: SessionState = { authFailures: 0, mobileNumber: '', answering: false, expired: false, timer: setTimeout(() => expire(session), opts.sessionTimeoutMs) };
    state.timer.unref();
    sessions.set(session, state);
    opts.onSession?.('accepted');
    callback();
  }

  function onClose(session: SMTPServerSession): void {
    const state = sessions.get(session);
    if (!state) return; // refused at connect
    clearTimeout(state.timer);
    sessions.delete(session);
    opts.onSessionEnd?.();
  }

  /** Sends 421 and closes; smtp-server has the connection, we have its session. */
  function closeSession(session: SMTPServerSession, reply: SmtpAnswer): void {
    for (const connection of server.connections) {
      if (connection.session === session) connection.send(reply.code, replyLine(reply));
    }
  }

  /** Every handler after onConnect runs for a session onConnect accepted. */
  function stateOf(session: SMTPServerSession): SessionState {
    const state = sessions.get(session);
    if (!state) throw new Error('SMTP session without state');
    return state;
  }

  function expire(session: SMTPServerSession): void {
    const state = sessions.get(session);
    if (!state) return;
    state.expired = true;
    // A mail whose answer is being worked out gets it first (see onData).
    if (!state.answering) closeSession(session, SMTP_REPLIES.sessionTimeLimit);
  }

  function onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: (err: Error | null | undefined, response?: { user?: string }) => void): void {
    const state = stateOf(session);
    if (!checkCredentials) return callback(replyError(SMTP_REPLIES.authNotAvailable));
    if (!session.secure && !isLoopbackAddress(session.remoteAddress)) {
      opts.onAuthFailure?.('encryption_required');
      return callback(replyError(SMTP_REPLIES.encryptionRequired));
    }
    if (checkCredentials(auth.username ?? '', auth.password ?? '')) return callback(null, { user: auth.username });
    state.authFailures++;
    opts.onAuthFailure?.('invalid_credentials');
    opts.logger.warn({ client: session.remoteAddress, session: session.id, failures: state.authFailures }, 'smtp authentication failed');
    if (state.authFailures >= MAX_AUTH_FAILURES) return callback(replyError(SMTP_REPLIES.tooManyAuthFailures));
    callback(replyError(replyFor(new GatewayError('caller-refused', { code: 'AUTH_INVALID' }))));
  }

  function onMailFrom(_address: SMTPServerAddress, _session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    if (opts.draining()) return callback(replyError(SMTP_REPLIES.shuttingDown));
    callback();
  }

  function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: (err?: Error | null) => void): void {
    // Each mail has one exact outcome; the client's MTA sends the other recipients as their own transactions.
    if (session.envelope.rcptTo.length > 0) return callback(replyError(SMTP_REPLIES.oneRecipient));
    const state = stateOf(session);
    const { local, domain } = splitAddress(address.address);
    if (opts.domains.length > 0 && !opts.domains.includes(domain)) {
      opts.onMessage?.('unknown_domain');
      return callback(replyError(unknownDomain(domain)));
    }
    try {
      state.mobileNumber = numberOf(local);
    } catch (err) {
      opts.onMessage?.(err instanceof GatewayError ? (err.code.toLowerCase() as SmtpOutcome) : 'internal_error');
      return callback(replyError(replyFor(err)));
    }
    callback();
  }

  /**
   * The number in a local part: as the SMS service reads it (+ or 00 and the country code, or
   * national with SMSGW_DEFAULT_REGION), else digits alone as international ("447400123456"):
   * some mail software will not send a local part starting with +. Throws INVALID_NUMBER.
   */
  function numberOf(local: string): string {
    try {
      opts.checkNumber(local);
      return local;
    } catch (err) {
      if (!/^[1-9]\d{5,14}$/.test(local)) throw err;
      opts.checkNumber(`+${local}`);
      return `+${local}`;
    }
  }

  function onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null, message?: string) => void): void {
    const state = stateOf(session);
    const recipient = session.envelope.rcptTo[0]!.address;
    readMail(stream, opts.maxBytes).then(
      async (raw) => {
        state.answering = true;
        const outcome = await opts.submit(async (admit) => {
          admit();
          if (raw === undefined) throw new GatewayError('body-too-large', { limitBytes: opts.maxBytes });
          const mail = await mailText(raw, opts.textMode);
          if (!mail.text) throw new GatewayError('empty-text', { source: opts.textMode === 'subject' ? 'subject' : 'text' });
          return {
            mobileNumber: state.mobileNumber,
            text: mail.text,
            repeatKey: mail.messageId ? opts.repeatKey(mail.messageId, recipient.toLowerCase()) : undefined,
          };
        });
        answer(session, outcome, callback);
        state.answering = false;
        if (state.expired) closeSession(session, SMTP_REPLIES.sessionTimeLimit);
      },
      // The client went away mid-mail: nobody is left to answer, nothing was sent.
      (err: Error) => callback(err),
    );
  }

  function answer(session: SMTPServerSession, outcome: SendOutcome, callback: (err?: Error | null, message?: string) => void): void {
    const reply = outcome.error === undefined ? sent(outcome.messageId) : replyFor(outcome.error);
    opts.onMessage?.(outcome.code.toLowerCase() as SmtpOutcome, outcome.durationMs);
    if (opts.logger.isLevelEnabled('info')) {
      opts.logger.info(
        { ...outcomeLogFields(outcome, outcome.error === undefined ? undefined : reply.text), client: session.remoteAddress, session: session.id, reply: `${reply.code} ${reply.enhanced}` },
        'smtp message',
      );
    }
    if (outcome.error === undefined) callback(null, replyLine(reply));
    else callback(replyError(reply));
  }

  return {
    server,
    async start(): Promise<void> {
      server.listen(opts.port, opts.host);
      await once(server.server, 'listening');
    },
    url(): string {
      return listenUrl('smtp', server.server);
    },
    /** Closes idle sessions with 421 and stops listening (call after in-flight messages drained). */
    async stop(): Promise<void> {
      if (!server.server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions.keys()) closeSession(session, SMTP_REPLIES.shuttingDown);
      await closed;
    },
  };
}

/** "+447400123456@sms.example.com" → the local part and the lower-cased domain. */
function splitAddress(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return at === -1 ? { local: address, domain: '' } : { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}

/**
 * The whole mail, or undefined when it is larger than `maxBytes` (the rest is read and dropped:
 * no reply is possible before the end of DATA). Rejects when the client leaves mid-mail.
 */
function readMail(stream: SMTPServerDataStream, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) chunks.push(chunk);
    });
    stream.once('end', () => resolve(stream.sizeExceeded || size > maxBytes ? undefined : Buffer.concat(chunks)));
    stream.once('error', reject);
    stream.once('close', () => reject(new Error('connection closed during DATA')));
  });
}
