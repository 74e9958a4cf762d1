// Ambient declarations for npm `smpp` 0.5.1 (the library ships none). Only what we use is
// declared; PDU fields are open-ended because the library sets them dynamically.
declare module 'smpp' {
  import { EventEmitter } from 'node:events';
  import type { Socket, Server as NetServer } from 'node:net';

  export interface PduFields {
    command_status?: number;
    sequence_number?: number;
    [field: string]: unknown;
  }

  export class PDU {
    constructor(command: string, options?: PduFields);
    constructor(buffer: Buffer);
    command: string;
    command_id: number;
    command_length: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    response(options?: PduFields): PDU;
    toBuffer(): Buffer;
    static maxLength: number;
    static fromBuffer(buffer: Buffer): PDU | false;
  }

  export interface SessionOptions {
    url?: string;
    host?: string;
    port?: number;
    tls?: boolean;
    socket?: Socket;
    auto_enquire_link_period?: number;
    [option: string]: unknown;
  }

  type ResponseCallback = (pdu: PDU) => void;

  export class Session extends EventEmitter {
    constructor(options: SessionOptions);
    socket: Socket;
    sequence: number;
    server?: Server;
    /** Writes the PDU; returns false (and never calls back) when the socket is not writable. */
    send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    [command: string]: unknown;
  }

  export class Server extends NetServer {
    sessions: Session[];
  }

  export function connect(options: SessionOptions | string, listener?: () => void): Session;
  export function createServer(
    options: { key?: string | Buffer; cert?: string | Buffer; [option: string]: unknown },
    listener?: (session: Session) => void,
  ): Server;
  export function createServer(listener?: (session: Session) => void): Server;

  /** The data_coding text codecs (ASCII is GSM 03.38, one septet per octet). */
  export const encodings: Record<'ASCII' | 'LATIN1' | 'UCS2', { match(value: string): boolean; encode(value: string): Buffer; decode(value: Buffer): string }>;
  export const errors: Record<string, number>;
  /** The library's field codecs; the PDU tables below name them by identity. */
  export const types: Record<'int8' | 'int16' | 'int32' | 'string' | 'cstring' | 'buffer', object>;
  export interface CommandDefinition {
    id: number;
    command: string;
    params?: Record<string, { type: object }>;
  }
  export const commands: Record<string, CommandDefinition | undefined>;
  export const commandsById: Record<number, CommandDefinition | undefined>;
  export const consts: Record<string, Record<string, number>>;
}
