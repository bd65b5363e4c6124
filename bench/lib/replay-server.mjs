// A server that does nothing but answer: each GET under /fhir gets the next of the recorded bodies
// (round robin), as Meridian would send them (200, application/fhir+json, the same length). Run
// as a child process by bench/lib/replay.ts; its requests/s with the same client and connections
// is the most any server could reach on this machine with responses of those sizes.
// Plain JavaScript: it starts without tsx. Usage: node replay-server.mjs BODIES.json
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const bodies = JSON.parse(readFileSync(process.argv[2], 'utf8')).map((b) => Buffer.from(b, 'utf8'));
let next = 0;
const server = createServer((req, res) => {
  req.resume();
  const body = bodies[next++ % bodies.length];
  res.writeHead(200, { 'content-type': 'application/fhir+json; charset=utf-8', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(`ready at http://127.0.0.1:${port}/fhir`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
