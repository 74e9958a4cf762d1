import { SmscSimulator, type SimulatorOptions } from '../../src/sim/smsc-simulator';

/** Named SMSC misbehaviours, after Jasmin's simulator family (HappySMSC, BlackHoleSMSC, ...). */
export const behaviours = {
  happy: (): SimulatorOptions => ({}),
  'blackhole-bind': (): SimulatorOptions => ({ bind: 'ignore' }),
  'refuse-bind': (status = 0x0e): SimulatorOptions => ({ bind: 'refuse', bindRefuseStatus: status }),
  'no-submit-resp': (): SimulatorOptions => ({ onSubmit: () => ({ ignore: true }) }),
  'no-enquire-link-resp': (): SimulatorOptions => ({ answerEnquireLink: false }),
  slow: (delayMs: number): SimulatorOptions => ({ onSubmit: () => ({ delayMs }) }),
  'reject-all': (status: number): SimulatorOptions => ({ onSubmit: () => ({ status }) }),
  /** The first `count` submits are answered with `status`, the rest with ESME_ROK. */
  'fail-first': (count: number, status: number): SimulatorOptions => ({ onSubmit: (_s, n) => (n <= count ? { status } : {}) }),
} as const;

export async function startFakeSmsc(options: SimulatorOptions = {}): Promise<{ smsc: SmscSimulator; url: string }> {
  const smsc = new SmscSimulator({ systemId: 'smsgw', password: 'secret12', ...options });
  const url = await smsc.start();
  return { smsc, url };
}

/** A loopback port nothing listens on (listen on 0, close, reuse the number). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
