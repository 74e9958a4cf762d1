import type { Config } from '../config/load-config';
import type { MessageView } from '../records/message-view';

/** Where the running gateway listens, as configured; a wildcard address is reached on loopback. */
export function gatewayUrl(config: Config, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  const host = config.http.host === '0.0.0.0' || config.http.host === '' ? '127.0.0.1' : config.http.host === '::' ? '::1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.http.port}`;
}

const authorization = (token: string) => `token ${Buffer.from(token, 'utf8').toString('base64')}`;

/** Fetch that names the address when the gateway cannot be reached at all. */
async function call(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the gateway at ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
}

export interface SendAnswer {
  IsSuccess: boolean;
  ErrorDetails: string;
  messageId: string | null;
}

/** One ExSign request, as the portal makes it. */
export async function sendThroughGateway(baseUrl: string, config: Config, to: string, text: string): Promise<SendAnswer> {
  const res = await call(`${baseUrl}${config.http.exsignPath}`, {
    method: 'POST',
    headers: { authorization: authorization(config.auth.token), 'content-type': 'application/json' },
    body: JSON.stringify({ MobileNumber: to, MessageText: text }),
  });
  const body = (await res.json()) as { IsSuccess: boolean; ErrorDetails: string };
  return { IsSuccess: body.IsSuccess === true, ErrorDetails: String(body.ErrorDetails ?? ''), messageId: res.headers.get('x-message-id') };
}

/** GET /messages/:id: the record, or the gateway's reason for not giving it (404, 401, 403). */
export async function messageStatus(baseUrl: string, config: Config, id: string): Promise<{ status: number; message?: MessageView; error?: string }> {
  const res = await call(`${baseUrl}/messages/${encodeURIComponent(id)}`, { headers: { authorization: authorization(config.auth.token) } });
  const body = (await res.json()) as MessageView & { error?: string };
  return res.status === 200 ? { status: 200, message: body } : { status: res.status, error: body.error ?? `HTTP ${res.status}` };
}
