import { PDU, type Session } from 'smpp';
import { InvalidCommandLength, InvalidPduBody, readHeader } from './malformed-pdu';
import { PDU_HEADER_LENGTH } from './pdu-limits';

/** npm smpp 0.5.1's two steps of reading one PDU, which its session's read loop calls in turn. */
interface LibraryReading {
  commandLength(stream: NodeJS.ReadableStream): number | false;
  fromStream(stream: NodeJS.ReadableStream, commandLength: number): PDU | false;
}

let installed = false;

/**
 * Replaces npm smpp 0.5.1's reading of a PDU so that what it cannot read is reported as a
 * MalformedPdu carrying what the session needs to answer it; a PDU that decodes is returned
 * exactly as before. The library reports the error as a decoding error ('error' on the session).
 *
 * - command_length: the library checks it against its maximum only. A length shorter than the
 *   header (4, say) makes it wait for a body of 0 bytes that never "arrives", so the session
 *   stops reading until the enquire_link timeout while still looking bound; 0 makes it read the
 *   next bytes as a new length. Either way the stream cannot be trusted: InvalidCommandLength.
 * - body: the library decodes the whole PDU with `new PDU(buffer)`; a decoding error (a TLV whose
 *   value runs past the end of the PDU, say) escapes as a bare RangeError with nothing of the
 *   header: InvalidPduBody.
 */
export function installPduReading(): void {
  if (installed) return;
  installed = true;
  const library = PDU as unknown as LibraryReading;
  library.commandLength = readCommandLength;
  library.fromStream = readPdu;
}

function readCommandLength(stream: NodeJS.ReadableStream): number | false {
  const field = stream.read(4) as Buffer | null;
  if (!field) return false;
  const length = field.readUInt32BE(0);
  if (length < PDU_HEADER_LENGTH) throw new InvalidCommandLength(length);
  if (length > PDU.maxLength) {
    // A too-long PDU's header is whole, so its sequence_number can go back in the generic_nack;
    // the session ends anyway, so consuming these bytes costs nothing.
    const rest = stream.read(PDU_HEADER_LENGTH - 4) as Buffer | null;
    throw new InvalidCommandLength(length, rest ? readHeader(Buffer.concat([field, rest])) : undefined);
  }
  return length;
}

function readPdu(stream: NodeJS.ReadableStream, commandLength: number): PDU | false {
  const rest = stream.read(commandLength - 4) as Buffer | null;
  if (!rest) return false;
  const pdu = Buffer.alloc(commandLength);
  pdu.writeUInt32BE(commandLength, 0);
  rest.copy(pdu, 4);
  try {
    return new PDU(pdu);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InvalidPduBody(pdu, (err as Error).message, code === 'ERR_OUT_OF_RANGE' || code === 'ERR_BUFFER_OUT_OF_BOUNDS');
  }
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
