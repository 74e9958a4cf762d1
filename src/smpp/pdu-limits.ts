import { PDU } from 'smpp';

/** command_length, command_id, command_status, sequence_number: every PDU has at least these. */
export const PDU_HEADER_LENGTH = 16;

/** SMPP 3.4 message_id (submit_sm_resp, receipts) is a C-Octet String of at most 65 octets with its NUL. */
export const MESSAGE_ID_MAX_LENGTH = 64;

/** The rest of a header after its command_length. */
const HEADER_AFTER_LENGTH = PDU_HEADER_LENGTH - 4;

/**
 * A PDU whose command_length SMPP 3.4 §4.3 calls invalid ("either too short or too long"):
 * shorter than the header, or longer than the library's limit (PDU.maxLength, 16 KiB).
 */
export class InvalidCommandLength extends Error {
  constructor(
    readonly commandLength: number,
    /** The header's other fields: only a PDU long enough to hold them has them, and only once they have arrived. */
    readonly header?: { commandId: number; sequenceNumber: number },
  ) {
    super(
      commandLength < PDU_HEADER_LENGTH
        ? `PDU command_length ${commandLength} is shorter than the ${PDU_HEADER_LENGTH}-byte header`
        : `PDU command_length ${commandLength} is over the ${PDU.maxLength}-byte limit`,
    );
    this.name = 'InvalidCommandLength';
  }
}

type ReadCommandLength = (stream: NodeJS.ReadableStream) => number | false;
let installed = false;

/**
 * npm smpp 0.5.1 checks a PDU's command_length against its maximum only. A length shorter than
 * the header (4, say) makes it wait for a body of 0 bytes that never "arrives", so the session
 * stops reading until the enquire_link timeout while still looking bound; 0 makes it read the
 * next bytes as a new length. Either way the stream cannot be trusted. This replaces the
 * library's reading of the length: either bound throws InvalidCommandLength, the library reports
 * it as a decoding error, and the bind answers generic_nack and drops the session at once
 * (malformed-pdu).
 */
export function refuseInvalidCommandLengths(): void {
  if (installed) return;
  installed = true;
  const library = PDU as unknown as { commandLength: ReadCommandLength };
  library.commandLength = (stream) => {
    const field = stream.read(4) as Buffer | null;
    if (!field) return false;
    const length = field.readUInt32BE(0);
    if (length < PDU_HEADER_LENGTH) throw new InvalidCommandLength(length);
    if (length > PDU.maxLength) throw new InvalidCommandLength(length, restOfHeader(stream));
    return length;
  };
}

/** A too-long PDU's header is whole, so its sequence_number can go back in the generic_nack; the session ends anyway, so consuming these bytes costs nothing. */
function restOfHeader(stream: NodeJS.ReadableStream): InvalidCommandLength['header'] {
  const rest = stream.read(HEADER_AFTER_LENGTH) as Buffer | null;
  return rest ? { commandId: rest.readUInt32BE(0), sequenceNumber: rest.readUInt32BE(8) } : undefined;
}
