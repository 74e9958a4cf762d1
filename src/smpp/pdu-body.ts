import { PDU, commands, commandsById, types, type Session } from 'smpp';
import { RESPONSE_BIT } from './command-id';
import { COMMAND_STATUS } from './command-status';
import { PDU_HEADER_LENGTH } from './pdu-limits';

/**
 * A PDU whose header was read but whose body npm smpp could not decode. All its command_length
 * octets were consumed before decoding began, so the stream is still framed on the next PDU.
 */
export class InvalidPduBody extends Error {
  readonly commandId: number;
  readonly sequenceNumber: number;
  /** The library's name for the command_id ('deliver_sm', …). */
  readonly command: string;
  /** What SMPP 3.4 asks the answer to carry. */
  readonly commandStatus: number;

  constructor(
    readonly commandLength: number,
    pdu: Buffer,
    /** The decoder's own message. */
    readonly decoderMessage: string,
    outOfBounds: boolean,
  ) {
    const commandId = pdu.readUInt32BE(4);
    const command = commandsById[commandId]?.command ?? `0x${commandId.toString(16)}`;
    super(`${command} body could not be decoded: ${decoderMessage}`);
    this.name = 'InvalidPduBody';
    this.commandId = commandId;
    this.sequenceNumber = pdu.readUInt32BE(12);
    this.command = command;
    this.commandStatus = outOfBounds && !mandatoryPartCanOverrun(command) ? COMMAND_STATUS.ESME_RINVTLVLEN : COMMAND_STATUS.ESME_RSYSERR;
  }

  get isResponse(): boolean {
    return (this.commandId & RESPONSE_BIT) !== 0;
  }

  /**
   * SMPP 3.4 §2.8: a request found to contain an error is answered with its own response carrying
   * the error in command_status. alert_notification has no response, so it gets none; a request
   * the library knows no response for (outbind) gets generic_nack, as the session's other
   * unexpected requests do.
   */
  answer(): PDU | undefined {
    const fields = { sequence_number: this.sequenceNumber, command_status: this.commandStatus };
    if (this.command === 'alert_notification') return undefined;
    return new PDU(Object.hasOwn(commands, `${this.command}_resp`) ? `${this.command}_resp` : 'generic_nack', fields);
  }
}

let installed = false;

/**
 * npm smpp 0.5.1's PDU.fromStream reads the whole PDU, then decodes it with `new PDU(buffer)`;
 * a decoding error (a TLV whose value runs past the end of the PDU, say) escapes as a bare
 * RangeError with nothing of the header. This replaces it so that the error is an InvalidPduBody
 * carrying the header, for the session to answer. Only the error changes: a PDU that decodes
 * is returned exactly as before.
 */
export function reportInvalidPduBodies(): void {
  if (installed) return;
  installed = true;
  const library = PDU as unknown as { fromStream: (stream: NodeJS.ReadableStream, commandLength: number) => PDU | false };
  library.fromStream = (stream, commandLength) => {
    const rest = stream.read(commandLength - 4) as Buffer | null;
    if (!rest) return false;
    const pdu = Buffer.alloc(commandLength);
    pdu.writeUInt32BE(commandLength, 0);
    rest.copy(pdu, 4);
    try {
      return new PDU(pdu);
    } catch (err) {
      if (commandLength < PDU_HEADER_LENGTH) throw err; // no header to answer to (refused earlier by pdu-limits.ts)
      const code = (err as NodeJS.ErrnoException).code;
      throw new InvalidPduBody(commandLength, pdu, (err as Error).message, code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS');
    }
  };
}

/** The fields of npm smpp 0.5.1's Session that its read loop (session _extractPDUs) leaves set when it emits a decoding error. */
interface ReadLoop {
  _busy: boolean;
  _command_length: number | null;
  _extractPDUs(): void;
}

/**
 * After a decoding error the library's read loop returns with `_busy` still true (so it never
 * reads again) and `_command_length` still holding the failed PDU's length (so it would read the
 * next PDU's first octets as that PDU's body). The failed PDU's octets were consumed whole, so
 * clearing both leaves the session exactly where it is between two PDUs; the loop is then run on
 * the next turn, outside the library's error handler, for the octets that already arrived.
 */
export function resumeReading(session: Session): void {
  const loop = session as unknown as ReadLoop;
  loop._command_length = null;
  loop._busy = false;
  setImmediate(() => {
    if (!session.socket.destroyed) loop._extractPDUs();
  });
}

/**
 * The library reads mandatory parameters only while octets remain, so 1-octet integers and
 * (lenient) strings cannot read past the end: in the PDUs an SMSC sends (deliver_sm, data_sm…)
 * a read past the end is a TLV whose length is wrong (longer than the octets left, or shorter
 * than its integer type): SMPP 3.4 ESME_RINVPARLEN, 5.0 ESME_RINVTLVLEN. Commands with wider
 * mandatory fields could overrun there too, so they get ESME_RSYSERR.
 */
function mandatoryPartCanOverrun(command: string): boolean {
  const params = commands[command]?.params ?? {};
  const safe = [types.int8, types.cstring, types.string, types.buffer];
  return Object.values(params).some((param) => !safe.includes(param.type));
}
