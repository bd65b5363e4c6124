/** Meridian in this process, listening on a free loopback port, for the HTTP benchmarks. */
import { buildConfig } from '../../src/app/config.ts';
import { createMeridian, type Meridian } from '../../src/app/app.ts';

export interface BenchServer {
  meridian: Meridian;
  /** The FHIR base, e.g. http://127.0.0.1:41234/fhir */
  base: string;
  close(): Promise<void>;
}

export async function startServer(store: string): Promise<BenchServer> {
  const meridian = await createMeridian(buildConfig({ store, dev: true, port: '0', host: '127.0.0.1' }, {}), false);
  await meridian.http.listen({ port: 0, host: '127.0.0.1' });
  const address = meridian.http.server.address();
  if (!address || typeof address !== 'object') throw new Error('the server has no address');
  return { meridian, base: `http://127.0.0.1:${address.port}/fhir`, close: () => meridian.close() };
}
