import { PDU, commands, commandsById, types } from 'smpp';
import { RESPONSE_BIT } from './command-id';
import { COMMAND_STATUS } from './command-status';
import { PDU_HEADER_LENGTH } from './pdu-limits';

/** The header fields a malformed PDU is answered and logged by. */
export interface PduHeader {
  commandId: number;
  sequenceNumber: number;
}

/** Reads the header of a buffer that starts at a PDU's command_length and holds at least the header. */
export function readHeader(pdu: Buffer): PduHeader {
  return { commandId: pdu.readUInt32BE(4), sequenceNumber: pdu.readUInt32BE(12) };
}

/** A PDU from the peer that npm smpp could not decode, with what SMPP 3.4 asks its answer to carry. */
export abstract class MalformedPdu extends Error {
  constructor(
    message: string,
    readonly commandLength: number,
    /** Only a PDU long enough to hold them has them, and only once they have arrived. */
    readonly header: PduHeader | undefined,
    readonly commandStatus: number,
    /** The library's name for the command_id ('deliver_sm', …), when the PDU was read whole. */
    readonly command?: string,
  ) {
    super(message);
  }

  /** The answer's sequence_number: the header's, else 0 (NULL: the PDU cannot be decoded). */
  get sequenceNumber(): number {
    return this.header?.sequenceNumber ?? 0;
  }

  /** The PDU that answers it; undefined when SMPP 3.4 defines none. */
  abstract answer(): PDU | undefined;
}

/**
 * A PDU whose command_length SMPP 3.4 §4.3 calls invalid ("either too short or too long"):
 * shorter than the header, or longer than the library's limit (PDU.maxLength, 16 KiB).
 */
export class InvalidCommandLength extends MalformedPdu {
  constructor(commandLength: number, header?: PduHeader) {
    super(
      commandLength < PDU_HEADER_LENGTH
        ? `PDU command_length ${commandLength} is shorter than the ${PDU_HEADER_LENGTH}-byte header`
        : `PDU command_length ${commandLength} is over the ${PDU.maxLength}-byte limit`,
      commandLength,
      header,
      COMMAND_STATUS.ESME_RINVCMDLEN,
    );
    this.name = 'InvalidCommandLength';
  }

  /** SMPP 3.4 §4.3: a header that cannot be used is answered generic_nack ESME_RINVCMDLEN. */
  answer(): PDU {
    return new PDU('generic_nack', { sequence_number: this.sequenceNumber, command_status: this.commandStatus });
  }
}

/**
 * A PDU whose header was read but whose body npm smpp could not decode. All its command_length
 * octets were consumed before decoding began, so the stream is still framed on the next PDU.
 */
export class InvalidPduBody extends MalformedPdu {
  declare readonly header: PduHeader;
  declare readonly command: string;

  /** `pdu` is the whole PDU; `decoderMessage` the decoder's own message. */
  constructor(pdu: Buffer, decoderMessage: string, outOfBounds: boolean) {
    const header = readHeader(pdu);
    const command = commandsById[header.commandId]?.command ?? `0x${header.commandId.toString(16)}`;
    const status = outOfBounds && !mandatoryPartCanOverrun(command) ? COMMAND_STATUS.ESME_RINVTLVLEN : COMMAND_STATUS.ESME_RSYSERR;
    super(`${command} body could not be decoded: ${decoderMessage}`, pdu.length, header, status, command);
    this.name = 'InvalidPduBody';
  }

  get isResponse(): boolean {
    return (this.header.commandId & RESPONSE_BIT) !== 0;
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
